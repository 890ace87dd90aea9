// layerwise playground: the page draws what the server's Network computes; it trains nothing.
//
// Protocol (JSON over one WebSocket, /ws):
//   page -> server: {type: "play" | "pause" | "step" | "reset"},
//                   {type: "settings", settings: {control: value as typed}},
//                   {type: "upload", name, text} (a CSV file of one's own),
//                   {type: "edit", run, param: "W" | "b", l, i, j, value} (1-based),
//                   {type: "ack"} once a frame is drawn (the server sends the next one only then)
//   server -> page: hello, state, reset, equations, settings, upload, frame, notice, error
// Arrays travel as base64 of little-endian bytes (u1, i4, f4).
//
// Modules: common.js (state, socket, decoding), draw.js (the plane and the charts),
// diagram.js (the network, its tooltip and weight editor), controls.js (settings, inputs,
// CSV file, shared address).

import { $, state, send, showMessage, hideMessage } from "./common.js";
import { prepareData, drawBoundary, drawCost, drawGrad } from "./draw.js";
import { buildDiagram, drawUnits, drawWires, showTooltip, showUnit } from "./diagram.js";
import {
  fillChoices, showSettings, showUpload, restoreShared, initControls,
} from "./controls.js";

const handlers = {
  hello(msg) {
    state.token = msg.token;
    state.choices = msg.choices;
    $("version").textContent = msg.version;
    fillChoices(msg.choices);
    $("download-model").href = `/session/${msg.token}/playground.safetensors`;
    $("download-script").href = `/session/${msg.token}/playground_run.py`;
    showSettings(msg.defaults);
    for (const id of ["reset", "play", "step"]) $(id).disabled = false;
    setStatus("connected");
    restoreShared();
  },
  state(msg) {
    state.playing = msg.playing;
    $("play").textContent = msg.playing ? "Pause" : "Play";
    $("play").setAttribute("aria-pressed", String(msg.playing));
  },
  settings(msg) {
    const showTest = state.settings && state.settings.show_test;
    showSettings(msg.settings);
    document.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
    if (!$("message").classList.contains("notice")) hideMessage();
    if (state.reset && showTest !== msg.settings.show_test) {
      state.reset.settings.show_test = msg.settings.show_test; // redrawn without a new run
      prepareData(state.reset);
      if (state.lastFrame) { readout(state.lastFrame); drawBoundary(state.lastFrame); drawCost(state.lastFrame); }
    }
  },
  reset(msg) {
    state.run = msg.run;
    state.reset = msg;
    state.frame = null;
    state.lastFrame = null;
    showSettings(msg.settings);
    $("dims").textContent = `n = [${msg.layer_dims.join(", ")}]`;
    $("epoch").textContent = "0";
    const regression = msg.task === "regression";
    $("accuracy-name").textContent = regression ? "R²" : "Accuracy";
    $("test-accuracy-name").textContent = regression ? "Test R²" : "Test accuracy";
    prepareData(msg);
    buildDiagram(msg);
    $("script").textContent = "";
    if ($("script-box").open) loadScript();
  },
  equations(msg) {
    if (msg.run === state.run) $("equations").textContent = msg.text;
  },
  upload(msg) { showUpload(msg); },
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
    // a choice refused goes back to the one the server holds (a typed text stays, to mend)
    const chosen = el && (el.tagName === "SELECT" || el.type === "checkbox");
    if (state.settings && (chosen || ["features", "columns"].includes(msg.field))) {
      if (el) delete state.sent[msg.field];
      showSettings(state.settings);
    }
  },
};

const percent = (v) => (v === null ? "–" : `${(100 * v).toFixed(1)} %`);

function readout(frame) {
  const regression = state.reset.task === "regression";
  const showTest = state.settings.show_test;
  $("cost").textContent = frame.cost.toFixed(4);
  $("accuracy").textContent = regression
    ? (frame.r2 === null ? "–" : frame.r2.toFixed(3)) : percent(frame.accuracy);
  $("val-cost").textContent = frame.val_cost === null || !showTest ? "–" : frame.val_cost.toFixed(4);
  const test = regression ? frame.val_r2 : frame.val_accuracy;
  $("test-accuracy").textContent = test === null || !showTest ? "–"
    : (regression ? test.toFixed(3) : percent(test));
}

function drawFrame() {
  state.drawScheduled = false;
  const frame = state.frame;
  state.frame = null;
  if (!frame || frame.run !== state.run) { send({ type: "ack" }); return; }
  state.lastFrame = frame;
  $("epoch").textContent = String(frame.epoch);
  readout(frame);
  drawBoundary(frame);
  drawUnits(frame);
  drawWires(frame);
  drawCost(frame);
  drawGrad(frame);
  showUnit(frame);
  showTooltip();
  countFrame();
  send({ type: "ack" });
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

async function loadScript() {
  if (!state.token) return;
  try {
    const response = await fetch(`/session/${state.token}/playground_run.py`);
    $("script").textContent = response.ok ? await response.text() : `(${response.status})`;
  } catch (err) {
    $("script").textContent = `(could not load the script: ${err})`;
  }
}

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
  initControls();
  $("script-box").addEventListener("toggle", () => { if ($("script-box").open) loadScript(); });
  connect();
}

init();
