// layerwise playground: the page draws what the server's Network computes; it trains nothing.
//
// Protocol (JSON over one WebSocket, /ws):
//   page -> server: {type: "play" | "pause" | "step" | "reset"},
//                   {type: "settings", settings: {control: value as typed}},
//                   {type: "ack"} once a frame is drawn (the server sends the next one only then)
//   server -> page: hello, state, reset, equations, settings, frame, notice, error
// Arrays travel as base64 of little-endian bytes (u1, i4, f4).

const BLUE = [31, 111, 181];
const ORANGE = [232, 135, 30];
const WHITE = [250, 250, 250];
const LAYER_COLORS = ["#1f6fb5", "#e8871e", "#2e9d5b", "#9b4dca", "#c0392b", "#17a2b8", "#7f6a00"];

const $ = (id) => document.getElementById(id);
const state = {
  ws: null,
  token: null,
  choices: null,
  run: 0,
  reset: null,       // the last reset message: data, layer sizes, extent
  pointsLayer: null, // the data points drawn once per reset
  playing: false,
  selected: null,    // {l, j}: the clicked unit, 1-based
  frame: null,       // the newest frame, waiting for the next animation frame
  drawScheduled: false,
  lastFrame: null,
  framesDrawn: 0,
  fpsTimes: [],
  tiles: [],         // tiles[l][j]: canvas of unit j of layer l (l = 0: the inputs)
  sent: {},          // control -> the text last sent, so only changes are sent
};

// ------------------------------------------------------------------ decoding

function bytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
const f32 = (b64) => new Float32Array(bytes(b64).buffer);
const i32 = (b64) => new Int32Array(bytes(b64).buffer);

// t in [-1, 1] -> white to blue (t > 0) or white to orange (t < 0), strength scaling the tint
function tint(t, strength) {
  const c = t >= 0 ? BLUE : ORANGE;
  const a = Math.min(1, Math.abs(t)) * strength;
  return [0, 1, 2].map((k) => Math.round(WHITE[k] + (c[k] - WHITE[k]) * a));
}
// lookup tables from a quantized byte to a colour
const BOUNDARY_LUT = Array.from({ length: 256 }, (_, q) => tint((q / 255) * 2 - 1, 0.8));
const UNIT_LUT = Array.from({ length: 256 }, (_, q) => tint((q - 128) / 127, 1));

function paintBytes(canvas, values, n, lut) {
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

// ------------------------------------------------------------------ messages

function send(message) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(message));
}

function showMessage(text, kind) {
  $("message-text").textContent = text;
  $("message").className = `message ${kind}`;
  $("message").hidden = false;
}

function hideMessage() {
  $("message").hidden = true;
}

const handlers = {
  hello(msg) {
    state.token = msg.token;
    state.choices = msg.choices;
    $("version").textContent = msg.version;
    for (const name of ["dataset", "activation", "init", "optimizer", "speed"]) {
      const select = document.querySelector(`[data-setting="${name}"]`);
      select.replaceChildren(...msg.choices[name].map((v) => new Option(v, v)));
    }
    $("download-model").href = `/session/${msg.token}/playground.safetensors`;
    $("download-script").href = `/session/${msg.token}/playground_run.py`;
    showSettings(msg.defaults);
    for (const id of ["reset", "play", "step"]) $(id).disabled = false;
    setStatus("connected");
  },
  state(msg) {
    state.playing = msg.playing;
    $("play").textContent = msg.playing ? "Pause" : "Play";
    $("play").setAttribute("aria-pressed", String(msg.playing));
  },
  settings(msg) {
    showSettings(msg.settings);
    document.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
    if (!$("message").classList.contains("notice")) hideMessage();
  },
  reset(msg) {
    state.run = msg.run;
    state.reset = msg;
    state.frame = null;
    state.lastFrame = null;
    showSettings(msg.settings);
    $("dims").textContent = `n = [${msg.layer_dims.join(", ")}]`;
    $("epoch").textContent = "0";
    prepareData(msg);
    buildDiagram(msg);
    $("script").textContent = "";
    if ($("script-box").open) loadScript();
  },
  equations(msg) {
    if (msg.run === state.run) $("equations").textContent = msg.text;
  },
  frame(msg) {
    if (msg.run !== state.run) { send({ type: "ack" }); return; } // a frame of an old network
    state.frame = msg;
    if (!state.drawScheduled) {
      state.drawScheduled = true;
      requestAnimationFrame(drawFrame);
    }
  },
  notice(msg) { showMessage(msg.message, "notice"); },
  error(msg) {
    showMessage(msg.message, "error");
    const el = msg.field && document.querySelector(`[data-setting="${msg.field}"]`);
    if (el) el.classList.add("invalid");
  },
};

function showSettings(settings) {
  for (const el of document.querySelectorAll("[data-setting]")) {
    const name = el.dataset.setting;
    if (!(name in settings)) continue;
    // a control being edited (typed into, not yet committed) keeps what the user typed
    if (name in state.sent && el.value !== state.sent[name]) continue;
    const value = settings[name] === null ? "" : String(settings[name]);
    if (el.tagName === "SELECT" && ![...el.options].some((o) => o.value === value)) {
      el.append(new Option(value, value));
    }
    el.value = value;
    state.sent[name] = value;
  }
  $("noise").disabled = settings.dataset === "planar";
  $("noise").placeholder = settings.dataset === "planar" ? "the course's own" : "";
}

function commit(el) {
  const name = el.dataset.setting;
  if (state.sent[name] === el.value) return;
  state.sent[name] = el.value;
  send({ type: "settings", settings: { [name]: el.value } });
}

// ------------------------------------------------------------------ the data and the diagram

function toCanvas(box, size, x1, x2) {
  return [((x1 - box[0]) / (box[1] - box[0])) * size, ((box[3] - x2) / (box[3] - box[2])) * size];
}

function prepareData(msg) {
  const canvas = $("boundary");
  const layer = document.createElement("canvas");
  layer.width = canvas.width;
  layer.height = canvas.height;
  const ctx = layer.getContext("2d");
  const x1 = f32(msg.points.x1), x2 = f32(msg.points.x2);
  const y = bytes(msg.points.y), val = bytes(msg.points.validation);
  for (let i = 0; i < x1.length; i++) {
    const [px, py] = toCanvas(msg.extent, canvas.width, x1[i], x2[i]);
    const colour = y[i] ? "rgb(31,111,181)" : "rgb(232,135,30)";
    ctx.beginPath();
    ctx.arc(px, py, val[i] ? 3.2 : 3.6, 0, 2 * Math.PI);
    if (val[i]) {           // validation: a ring
      ctx.fillStyle = "#fff";
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = colour;
    } else {                // training: a filled dot
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#fff";
    }
    ctx.stroke();
  }
  state.pointsLayer = layer;
}

function buildDiagram(msg) {
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
    title.textContent = l === 0 ? "inputs\nA[0] = X"
      : `layer ${l}${l === L ? " (output)" : ""}\n${msg.activations[l - 1]}, n[${l}] = ${dims[l]}`;
    column.append(title);
    state.tiles.push([]);
    for (let j = 1; j <= dims[l]; j++) {
      const tile = document.createElement("button");
      tile.type = "button";
      tile.className = l === 0 ? "tile input" : "tile";
      tile.dataset.testid = l === 0 ? `input-${j}` : `unit-${l}-${j}`;
      tile.title = l === 0 ? `x${j}` : `unit ${j} of layer ${l}`;
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 32;
      tile.append(canvas);
      if (l > 0) tile.addEventListener("click", () => selectUnit(l, j));
      else tile.disabled = true;
      column.append(tile);
      state.tiles[l].push(canvas);
    }
    layers.append(column);
  }
  // the inputs' maps are x1 and x2 themselves, scaled to the plane
  for (let j = 0; j < 2; j++) {
    const n = 32, values = new Uint8Array(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      const t = j === 0 ? (2 * c) / (n - 1) - 1 : 1 - (2 * r) / (n - 1);
      values[r * n + c] = Math.round(128 + 127 * t);
    }
    paintBytes(state.tiles[0][j], values, n, UNIT_LUT);
  }
  markSelected();
  $("unit").hidden = !state.selected;
}

function selectUnit(l, j) {
  state.selected = { l, j };
  markSelected();
  if (state.lastFrame) showUnit(state.lastFrame);
}

function markSelected() {
  document.querySelectorAll(".tile.selected").forEach((t) => t.classList.remove("selected"));
  if (!state.selected) return;
  const { l, j } = state.selected;
  const tile = document.querySelector(`[data-testid="unit-${l}-${j}"]`);
  if (tile) tile.classList.add("selected");
}

const fmt = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));

function showUnit(frame) {
  const box = $("unit");
  if (!state.selected || !state.reset) { box.hidden = true; return; }
  const { l, j } = state.selected;
  const dims = state.reset.layer_dims, L = dims.length - 1, nPrev = dims[l - 1];
  const W = f32(frame.W[l - 1]), b = f32(frame.b[l - 1]);
  const row = Array.from(W.subarray((j - 1) * nPrev, j * nPrev));
  const g = state.reset.activations[l - 1];
  const from = l === 1 ? "x1, x2" : `the ${nPrev} units of layer ${l - 1}`;
  box.textContent = [
    `Unit ${j} of layer ${l}${l === L ? " (the output)" : ""}: a = ${g}(z), ` +
      `z = W[${l}]_${j} · A[${l - 1}] + b[${l}]_${j}`,
    `row ${j} of W[${l}], the weights from ${from}:`,
    `  [${row.map(fmt).join(", ")}]`,
    `b[${l}]_${j} = ${fmt(b[j - 1])}`,
    `in Python: net.layer(${l}).W[${j - 1}], net.layer(${l}).b[${j - 1}, 0]`,
  ].join("\n");
  box.hidden = false;
}

// ------------------------------------------------------------------ drawing a frame

function drawFrame() {
  state.drawScheduled = false;
  const frame = state.frame;
  state.frame = null;
  if (!frame || frame.run !== state.run) { send({ type: "ack" }); return; }
  state.lastFrame = frame;
  $("epoch").textContent = String(frame.epoch);
  $("cost").textContent = frame.cost.toFixed(4);
  $("val-cost").textContent = frame.val_cost === null ? "–" : frame.val_cost.toFixed(4);
  $("accuracy").textContent = `${(100 * frame.accuracy).toFixed(1)} %` +
    (frame.val_accuracy === null ? "" : ` / ${(100 * frame.val_accuracy).toFixed(1)} %`);
  drawBoundary(frame);
  drawUnits(frame);
  drawWires(frame);
  drawCost(frame);
  drawGrad(frame);
  showUnit(frame);
  countFrame();
  send({ type: "ack" });
}

const heat = document.createElement("canvas");

function drawBoundary(frame) {
  const canvas = $("boundary"), ctx = canvas.getContext("2d");
  paintBytes(heat, bytes(frame.boundary), state.reset.grid, BOUNDARY_LUT);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(heat, 0, 0, canvas.width, canvas.height);
  if (state.pointsLayer) ctx.drawImage(state.pointsLayer, 0, 0);
  const box = state.reset.extent;
  ctx.fillStyle = "rgba(0,0,0,0.55)";
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillText(`x1 ${box[0].toFixed(1)} … ${box[1].toFixed(1)}`, 6, canvas.height - 6);
  ctx.save();
  ctx.translate(12, canvas.height - 110);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(`x2 ${box[2].toFixed(1)} … ${box[3].toFixed(1)}`, -80, 0);
  ctx.restore();
}

function drawUnits(frame) {
  const n = state.reset.unit_grid;
  frame.units.forEach((layer, i) => {
    layer.forEach((unit, j) => paintBytes(state.tiles[i + 1][j], bytes(unit), n, UNIT_LUT));
  });
  const out = state.tiles[state.tiles.length - 1][0];
  if (out) {
    out.getContext("2d").drawImage(heat, 0, 0, out.width, out.height);
  }
}

function drawWires(frame) {
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
  if (hi - lo < 1e-9) { hi += opts.log ? 0.5 : 0.5; lo -= opts.log ? 0.5 : 0; }
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

function drawCost(frame) {
  const c = frame.curve, x = Array.from(i32(c.epoch));
  const lines = [{ label: "training", colour: "#333", values: f32(c.cost) }];
  if (frame.val_cost !== null) {
    lines.push({ label: "validation", colour: "#e8871e", dash: [5, 3], values: f32(c.val_cost) });
  }
  chart($("cost-chart"), { x, lines }, { log: false });
}

function drawGrad(frame) {
  const c = frame.curve, x = Array.from(i32(c.epoch));
  const lines = c.grad.map((g, k) => ({
    label: `‖dW[${k + 1}]‖`, colour: LAYER_COLORS[k % LAYER_COLORS.length], values: f32(g),
  }));
  chart($("grad-chart"), { x, lines }, { log: true });
}

function countFrame() {
  const now = performance.now();
  state.framesDrawn += 1;
  state.fpsTimes.push(now);
  while (state.fpsTimes.length && state.fpsTimes[0] < now - 1000) state.fpsTimes.shift();
  const status = $("status");
  status.dataset.frames = String(state.framesDrawn);
  status.textContent = `connected · ${state.fpsTimes.length} frames/s`;
}

function setStatus(text) {
  $("status").textContent = text;
}

// ------------------------------------------------------------------ the script

async function loadScript() {
  if (!state.token) return;
  try {
    const response = await fetch(`/session/${state.token}/playground_run.py`);
    $("script").textContent = response.ok ? await response.text() : `(${response.status})`;
  } catch (err) {
    $("script").textContent = `(could not load the script: ${err})`;
  }
}

// ------------------------------------------------------------------ wiring

function connect() {
  const ws = new WebSocket(`ws://${location.host}/ws`);
  state.ws = ws;
  ws.addEventListener("message", (event) => {
    const msg = JSON.parse(event.data);
    const handler = handlers[msg.type];
    if (handler) handler(msg);
  });
  ws.addEventListener("close", (event) => {
    for (const id of ["reset", "play", "step"]) $(id).disabled = true;
    setStatus("disconnected");
    showMessage(event.reason
      ? `The playground server closed this page: ${event.reason}.`
      : "The connection to the playground server has closed. Start it again with " +
        "'layerwise playground' and reload this page.", "notice");
  });
}

function init() {
  $("play").addEventListener("click", () => send({ type: state.playing ? "pause" : "play" }));
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("reset").addEventListener("click", () => send({ type: "reset" }));
  $("message-close").addEventListener("click", hideMessage);
  for (const el of document.querySelectorAll("[data-setting]")) {
    el.addEventListener("change", () => commit(el));
    if (el.tagName === "INPUT") {
      el.addEventListener("keydown", (event) => { if (event.key === "Enter") commit(el); });
    }
  }
  $("script-box").addEventListener("toggle", () => { if ($("script-box").open) loadScript(); });
  connect();
}

init();
