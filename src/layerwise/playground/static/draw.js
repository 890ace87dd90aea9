// layerwise playground: the plane (boundary or surface, and the points) and the charts.

import { $, state, bytes, f32, i32, fmt } from "./common.js";

const BLUE = [31, 111, 181];
const ORANGE = [232, 135, 30];
const WHITE = [250, 250, 250];
// one colour per class of a softmax output (blue and orange first, as for two classes)
export const CLASS_COLORS = [
  BLUE, ORANGE, [46, 157, 91], [155, 77, 202], [192, 57, 43], [23, 162, 184], [127, 106, 0],
  [214, 51, 132],
];
const LAYER_COLORS = ["#1f6fb5", "#e8871e", "#2e9d5b", "#9b4dca", "#c0392b", "#17a2b8", "#7f6a00"];
const rgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;

// t in [-1, 1] -> white to blue (t > 0) or white to orange (t < 0), strength scaling the tint
function tint(t, strength) {
  const c = t >= 0 ? BLUE : ORANGE;
  const a = Math.min(1, Math.abs(t)) * strength;
  return [0, 1, 2].map((k) => Math.round(WHITE[k] + (c[k] - WHITE[k]) * a));
}
const mix = (c, a) => [0, 1, 2].map((k) => Math.round(WHITE[k] + (c[k] - WHITE[k]) * a));
// lookup tables from a quantized byte to a colour: a probability or a value on the colour
// scale (orange low, blue high), a unit's output around 128
export const BOUNDARY_LUT = Array.from({ length: 256 }, (_, q) => tint((q / 255) * 2 - 1, 0.8));
export const UNIT_LUT = Array.from({ length: 256 }, (_, q) => tint((q - 128) / 127, 1));

export function paintBytes(canvas, values, n, lut) {
  const ctx = canvas.getContext("2d");
  if (canvas.width !== n || canvas.height !== n) { canvas.width = n; canvas.height = n; }
  const image = ctx.createImageData(n, n);
  for (let i = 0; i < values.length; i++) {
    const c = lut[values[i]];
    image.data[4 * i] = c[0];
    image.data[4 * i + 1] = c[1];
    image.data[4 * i + 2] = c[2];
    image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

// several classes: each grid point in the colour of its likeliest class, paler where unsure
function paintClasses(canvas, classes, confidence, n, K) {
  const ctx = canvas.getContext("2d");
  if (canvas.width !== n || canvas.height !== n) { canvas.width = n; canvas.height = n; }
  const image = ctx.createImageData(n, n);
  for (let i = 0; i < classes.length; i++) {
    const p = confidence[i] / 255;
    const c = mix(CLASS_COLORS[classes[i] % CLASS_COLORS.length], 0.8 * Math.max(0, (p - 1 / K) / (1 - 1 / K)));
    image.data.set([c[0], c[1], c[2], 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

function toCanvas(box, size, x1, x2) {
  return [((x1 - box[0]) / (box[1] - box[0])) * size, ((box[3] - x2) / (box[3] - box[2])) * size];
}

// the colour of a point: its class, or its value on the colour scale
function pointColour(msg, y) {
  if (msg.task === "regression") return rgb(BOUNDARY_LUT[y]);
  return rgb(CLASS_COLORS[y % CLASS_COLORS.length]);
}

export function prepareData(msg) {
  const canvas = $("boundary");
  const layer = document.createElement("canvas");
  layer.width = canvas.width;
  layer.height = canvas.height;
  const ctx = layer.getContext("2d");
  const x1 = f32(msg.points.x1), x2 = f32(msg.points.x2);
  const y = bytes(msg.points.y), val = bytes(msg.points.validation);
  const showTest = msg.settings.show_test;
  for (let i = 0; i < x1.length; i++) {
    if (val[i] && !showTest) continue;
    const [px, py] = toCanvas(msg.extent, canvas.width, x1[i], x2[i]);
    const colour = pointColour(msg, y[i]);
    ctx.beginPath();
    ctx.arc(px, py, val[i] ? 3.2 : 3.6, 0, 2 * Math.PI);
    if (val[i]) {           // test data: a hollow ring
      ctx.fillStyle = "#fff";
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = colour;
    } else {                // training: a filled dot
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = msg.task === "regression" ? "#555" : "#fff";
    }
    ctx.stroke();
  }
  state.pointsLayer = layer;
  showLegend(msg);
}

function showLegend(msg) {
  const legend = $("legend");
  const parts = ["● training", msg.settings.show_test ? "○ test (held out)" : "test data hidden"];
  if (msg.task === "regression") {
    const [lo, hi] = msg.value_range;
    parts.push(`background: A[L], the fitted value, from ${fmt(lo)} (orange) to ${fmt(hi)} (blue)`);
  } else if (msg.task === "multiclass") {
    parts.push("background: the likeliest class of softmax's A[L]");
  } else {
    parts.push("background: A[L], the probability of the blue class");
  }
  legend.replaceChildren();
  legend.append(parts.join(" · "));
  if (msg.task !== "regression") {
    const keys = document.createElement("span");
    keys.className = "classes";
    msg.classes.forEach((name, k) => {
      const key = document.createElement("span");
      key.className = "class-key";
      key.style.color = rgb(CLASS_COLORS[k % CLASS_COLORS.length]);
      key.textContent = `● ${name}`;
      keys.append(key);
    });
    legend.append(keys);
  } else {
    const scale = document.createElement("span");
    scale.className = "scale";
    scale.dataset.testid = "colour-scale";
    legend.append(scale);
  }
}

const heat = document.createElement("canvas");
export { heat };

export function drawBoundary(frame) {
  const canvas = $("boundary"), ctx = canvas.getContext("2d");
  const msg = state.reset, n = msg.grid;
  if (msg.task === "multiclass") {
    paintClasses(heat, bytes(frame.boundary), bytes(frame.confidence), n, msg.layer_dims.at(-1));
  } else {
    paintBytes(heat, bytes(frame.boundary), n, BOUNDARY_LUT);
  }
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(heat, 0, 0, canvas.width, canvas.height);
  if (state.pointsLayer) ctx.drawImage(state.pointsLayer, 0, 0);
  const box = msg.extent;
  ctx.fillStyle = "rgba(0,0,0,0.55)";
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillText(`x1 ${box[0].toFixed(1)} … ${box[1].toFixed(1)}`, 6, canvas.height - 6);
  ctx.save();
  ctx.translate(12, canvas.height - 110);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(`x2 ${box[2].toFixed(1)} … ${box[3].toFixed(1)}`, -80, 0);
  ctx.restore();
}

function chart(canvas, series, opts) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  const left = 46, right = 8, top = 8, bottom = 20;
  ctx.clearRect(0, 0, W, H);
  const xs = series.x;
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "#777";
  if (!xs.length) { ctx.fillText("no epochs yet", left, H / 2); return; }
  let lo = Infinity, hi = -Infinity;
  for (const line of series.lines) for (const v of line.values) {
    const y = opts.log ? Math.log10(v) : v;
    if (Number.isFinite(y)) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
  }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (!opts.log) lo = Math.min(0, lo);
  if (hi - lo < 1e-9) { hi += 0.5; lo -= opts.log ? 0.5 : 0; }
  const x0 = Math.min(...xs), x1 = Math.max(x0 + 1, Math.max(...xs));
  const px = (x) => left + ((x - x0) / (x1 - x0)) * (W - left - right);
  const py = (y) => top + (1 - (y - lo) / (hi - lo)) * (H - top - bottom);
  ctx.strokeStyle = "#ddd";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left, top); ctx.lineTo(left, H - bottom); ctx.lineTo(W - right, H - bottom);
  ctx.stroke();
  for (const y of [lo, (lo + hi) / 2, hi]) {
    const label = opts.log ? `1e${y.toFixed(1)}` : y.toFixed(3);
    ctx.fillText(label, 2, py(y) + 3);
  }
  ctx.fillText(`epoch ${x0}`, left, H - 6);
  const end = `${x1}`;
  ctx.fillText(end, W - right - ctx.measureText(end).width, H - 6);
  series.lines.forEach((line, k) => {
    ctx.strokeStyle = line.colour;
    ctx.lineWidth = 1.6;
    ctx.setLineDash(line.dash || []);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < xs.length; i++) {
      const y = opts.log ? Math.log10(line.values[i]) : line.values[i];
      if (!Number.isFinite(y)) { pen = false; continue; }
      if (pen) ctx.lineTo(px(xs[i]), py(y)); else ctx.moveTo(px(xs[i]), py(y));
      pen = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = line.colour;
    ctx.fillText(line.label, W - right - 72, top + 10 + 12 * k);
  });
}

export function drawCost(frame) {
  const c = frame.curve, x = Array.from(i32(c.epoch));
  const lines = [{ label: "training", colour: "#333", values: f32(c.cost) }];
  if (frame.val_cost !== null && state.settings.show_test) {
    lines.push({ label: "test", colour: "#e8871e", dash: [5, 3], values: f32(c.val_cost) });
  }
  chart($("cost-chart"), { x, lines }, { log: false });
}

export function drawGrad(frame) {
  const c = frame.curve, x = Array.from(i32(c.epoch));
  const lines = c.grad.map((g, k) => ({
    label: `‖dW[${k + 1}]‖`, colour: LAYER_COLORS[k % LAYER_COLORS.length], values: f32(g),
  }));
  chart($("grad-chart"), { x, lines }, { log: true });
}
