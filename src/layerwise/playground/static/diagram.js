// layerwise playground: the network's diagram (a tile per unit, wires for the weights), the
// tooltip of a hovered unit and the editor of a clicked unit's weights.

import { $, state, send, bytes, f32, fmt } from "./common.js";
import { paintBytes, UNIT_LUT, heat } from "./draw.js";

const featureName = (name) => state.choices.features[name] || name;

export function buildDiagram(msg) {
  const dims = msg.layer_dims, L = dims.length - 1;
  const layers = $("layers");
  layers.replaceChildren();
  state.tiles = [];
  if (state.selected && (state.selected.l > L || state.selected.j > dims[state.selected.l])) {
    state.selected = null;
  }
  for (let l = 0; l <= L; l++) {
    const column = document.createElement("div");
    column.className = "layer";
    const title = document.createElement("div");
    title.className = "title";
    title.textContent = l === 0 ? `inputs\nA[0] = X, n[0] = ${dims[0]}`
      : `layer ${l}${l === L ? " (output)" : ""}\n${msg.activations[l - 1]}, n[${l}] = ${dims[l]}`;
    column.append(title);
    state.tiles.push([]);
    for (let j = 1; j <= dims[l]; j++) {
      const tile = document.createElement("button");
      tile.type = "button";
      tile.className = l === 0 ? "tile input" : "tile";
      tile.dataset.testid = l === 0 ? `input-${j}` : `unit-${l}-${j}`;
      tile.setAttribute("aria-label", l === 0 ? featureName(msg.features[j - 1])
        : `unit ${j} of layer ${l}`);
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 32;
      tile.append(canvas);
      if (l === 0) {
        const name = document.createElement("span");
        name.className = "feature-name";
        name.textContent = featureName(msg.features[j - 1]);
        tile.append(name);
      } else {
        tile.addEventListener("click", () => selectUnit(l, j));
      }
      tile.addEventListener("mouseenter", () => hover(l, j, tile));
      tile.addEventListener("mouseleave", () => unhover(tile));
      column.append(tile);
      state.tiles[l].push(canvas);
    }
    layers.append(column);
  }
  // the inputs' maps: each feature of the plane's points, computed by the server
  msg.input_maps.maps.forEach((map, j) => {
    paintBytes(state.tiles[0][j], bytes(map), msg.unit_grid, UNIT_LUT);
  });
  markSelected();
  buildEditor();
}

export function drawUnits(frame) {
  const n = state.reset.unit_grid;
  frame.units.forEach((layer, i) => {
    layer.forEach((unit, j) => paintBytes(state.tiles[i + 1][j], bytes(unit), n, UNIT_LUT));
  });
  const outputs = state.tiles[state.tiles.length - 1];
  if (state.reset.task === "multiclass") {
    frame.output_units.forEach((unit, j) => paintBytes(outputs[j], bytes(unit), n, UNIT_LUT));
  } else if (outputs[0]) {
    outputs[0].getContext("2d").drawImage(heat, 0, 0, outputs[0].width, outputs[0].height);
  }
}

export function drawWires(frame) {
  const canvas = $("wires");
  const width = $("layers").scrollWidth, height = $("layers").offsetHeight;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width; canvas.height = height;
    canvas.style.width = `${width}px`; canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, width, height);
  const origin = $("layers").getBoundingClientRect();
  const centre = (tile) => {
    const r = tile.getBoundingClientRect();
    return [r.left - origin.left + r.width / 2, r.top - origin.top + r.height / 2];
  };
  const dims = state.reset.layer_dims;
  for (let l = 1; l < dims.length; l++) {
    const W = f32(frame.W[l - 1]);
    let largest = 1e-12;
    for (const w of W) largest = Math.max(largest, Math.abs(w));
    for (let j = 0; j < dims[l]; j++) {
      const [tx, ty] = centre(state.tiles[l][j]);
      for (let i = 0; i < dims[l - 1]; i++) {
        const w = W[j * dims[l - 1] + i];
        const [sx, sy] = centre(state.tiles[l - 1][i]);
        const strength = Math.abs(w) / largest;
        ctx.strokeStyle = w >= 0 ? `rgba(31,111,181,${0.15 + 0.75 * strength})`
          : `rgba(232,135,30,${0.15 + 0.75 * strength})`;
        ctx.lineWidth = 0.5 + 3.5 * strength;
        ctx.beginPath();
        ctx.moveTo(sx + 22, sy);
        ctx.lineTo(tx - 22, ty);
        ctx.stroke();
      }
    }
  }
}

// ------------------------------------------------------------------ one unit's numbers

// W[l]_j (the weights into unit j of layer l) and b[l]_j of a frame, and A[l]_j's range
function unitNumbers(frame, l, j) {
  const dims = state.reset.layer_dims, nPrev = dims[l - 1];
  const W = f32(frame.W[l - 1]), b = f32(frame.b[l - 1]);
  return {
    row: Array.from(W.subarray((j - 1) * nPrev, j * nPrev)),
    b: b[j - 1],
    range: frame.unit_range[l - 1][j - 1],
  };
}

function inputsOf(l) {
  if (l === 1) return state.reset.features.map(featureName);
  return Array.from({ length: state.reset.layer_dims[l - 1] }, (_, k) => `a[${l - 1}]_${k + 1}`);
}

function hover(l, j, tile) {
  state.hovered = { l, j, tile };
  showTooltip();
}

function unhover(tile) {
  if (state.hovered && state.hovered.tile === tile) state.hovered = null;
  $("tooltip").hidden = true;
}

export function showTooltip() {
  const tip = $("tooltip"), frame = state.lastFrame;
  if (!state.hovered || !frame || !state.reset) { tip.hidden = true; return; }
  const { l, j, tile } = state.hovered;
  let lines;
  if (l === 0) {
    const name = state.reset.features[j - 1];
    lines = [`input ${j}: ${featureName(name)} (row ${j} of A[0] = X)`];
  } else {
    const L = state.reset.layer_dims.length - 1;
    const { row, b, range } = unitNumbers(frame, l, j);
    const names = inputsOf(l);
    lines = [
      `unit ${j} of layer ${l}${l === L ? " (output)" : ""}: ${state.reset.activations[l - 1]}`,
      `b[${l}]_${j} = ${fmt(b)}`,
      ...row.map((w, k) => `W[${l}]_${j},${k + 1} = ${fmt(w)}   (from ${names[k]})`),
      `A[${l}]_${j} over the plane: ${fmt(range[0])} … ${fmt(range[1])}`,
      "click to edit",
    ];
  }
  tip.textContent = lines.join("\n");
  const box = tile.getBoundingClientRect(), panel = $("diagram").getBoundingClientRect();
  tip.style.left = `${box.right - panel.left + 8}px`;
  tip.style.top = `${box.top - panel.top}px`;
  tip.hidden = false;
}

function selectUnit(l, j) {
  state.selected = { l, j };
  markSelected();
  buildEditor();
}

function markSelected() {
  document.querySelectorAll(".tile.selected").forEach((t) => t.classList.remove("selected"));
  if (!state.selected) return;
  const { l, j } = state.selected;
  const tile = document.querySelector(`[data-testid="unit-${l}-${j}"]`);
  if (tile) tile.classList.add("selected");
}

function field(testid, param, l, i, j) {
  const input = document.createElement("input");
  input.dataset.testid = testid;
  input.inputMode = "decimal";
  input.className = "weight";
  input.dataset.param = param;
  input.dataset.index = param === "W" ? String(j - 1) : "";
  const commit = () => {
    if (input.value === input.dataset.shown) return;
    send({ type: "edit", run: state.run, param, l, i, j, value: input.value.trim() });
    input.dataset.shown = input.value;
  };
  input.addEventListener("keydown", (event) => { if (event.key === "Enter") commit(); });
  input.addEventListener("change", commit);
  return input;
}

// the clicked unit's row of W[l] and its b[l], each a field to type a new value into
function buildEditor() {
  const box = $("unit");
  box.replaceChildren();
  if (!state.selected || !state.reset) { box.hidden = true; return; }
  const { l, j } = state.selected;
  const dims = state.reset.layer_dims, L = dims.length - 1;
  const g = state.reset.activations[l - 1];
  const head = document.createElement("p");
  const from = l === 1 ? state.reset.features.map(featureName).join(", ")
    : `the ${dims[l - 1]} units of layer ${l - 1}`;
  head.textContent = `Unit ${j} of layer ${l}${l === L ? " (the output)" : ""}: a = ${g}(z), ` +
    `z = W[${l}]_${j} · A[${l - 1}] + b[${l}]_${j}; row ${j} of W[${l}], the weights from ` +
    `${from}: (type a value and press Enter to set it)`;
  const grid = document.createElement("div");
  grid.className = "weights";
  inputsOf(l).forEach((name, k) => {
    const label = document.createElement("label");
    label.append(`W[${l}]_${j},${k + 1} (${name})`, field(`weight-${l}-${j}-${k + 1}`, "W", l, j, k + 1));
    grid.append(label);
  });
  const bias = document.createElement("label");
  bias.append(`b[${l}]_${j} = `, field(`bias-${l}-${j}`, "b", l, j, 1));
  grid.append(bias);
  const python = document.createElement("p");
  python.className = "muted";
  python.textContent = `in Python: net.layer(${l}).W[${j - 1}], net.layer(${l}).b[${j - 1}, 0]`;
  box.append(head, grid, python);
  box.hidden = false;
  if (state.lastFrame) showUnit(state.lastFrame);
}

// the editor's fields follow the network, except the one being typed into
export function showUnit(frame) {
  if (!state.selected || $("unit").hidden) return;
  const { l, j } = state.selected;
  const { row, b } = unitNumbers(frame, l, j);
  for (const input of $("unit").querySelectorAll("input.weight")) {
    if (input === document.activeElement && input.value !== input.dataset.shown) continue;
    const value = input.dataset.param === "W" ? row[Number(input.dataset.index)] : b;
    input.value = fmt(value);
    input.dataset.shown = input.value;
  }
}
