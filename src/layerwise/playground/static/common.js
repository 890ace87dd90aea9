// layerwise playground: what every part of the page shares (its state, the socket, decoding).

export const $ = (id) => document.getElementById(id);

export const state = {
  ws: null,
  token: null,
  choices: null,
  settings: null,    // the settings the server last accepted
  run: 0,
  reset: null,       // the last reset message: data, layer sizes, extent, task
  pointsLayer: null, // the data points drawn once per reset
  playing: false,
  selected: null,    // {l, j}: the clicked unit, 1-based
  hovered: null,     // {l, j, tile}: the unit under the pointer
  frame: null,       // the newest frame, waiting for the next animation frame
  drawScheduled: false,
  lastFrame: null,
  framesDrawn: 0,
  fpsTimes: [],
  tiles: [],         // tiles[l][j]: canvas of unit j of layer l (l = 0: the inputs)
  sent: {},          // control -> the text last sent, so only changes are sent
  upload: null,      // the columns of one's own CSV file, once read
};

export function send(message) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(message));
}

export function showMessage(text, kind) {
  $("message-text").textContent = text;
  $("message").className = `message ${kind}`;
  $("message").hidden = false;
}

export function hideMessage() {
  $("message").hidden = true;
}

// arrays travel as base64 of little-endian bytes (u1, i4, f4)
export function bytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
export const f32 = (b64) => new Float32Array(bytes(b64).buffer);
export const i32 = (b64) => new Int32Array(bytes(b64).buffer);

export const fmt = (v) =>
  (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));
