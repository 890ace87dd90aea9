// layerwise playground: the controls (shown as the server holds them, sent when changed), the
// inputs' toggles, one's own CSV file, and the address that shares every setting.

import { $, state, send, showMessage } from "./common.js";

const DATASET_NAMES = {
  planar: "flower (the notes')", moons: "moons", circles: "circles", xor: "xor",
  spiral: "spiral", blobs: "blobs", blobs3: "3 blobs (softmax)", spiral3: "3-arm spiral (softmax)",
  plane: "plane (regression)", sine: "sin x1 · cos x2 (regression)", upload: "your CSV file",
};

export function fillChoices(choices) {
  for (const name of ["dataset", "activation", "init", "optimizer", "speed"]) {
    const select = document.querySelector(`[data-setting="${name}"]`);
    const shown = (v) => (name === "dataset" && DATASET_NAMES[v]) || v;
    select.replaceChildren(...choices[name].map((v) => new Option(shown(v), v)));
  }
  const box = $("features");
  box.querySelectorAll("label").forEach((el) => el.remove());
  for (const [name, shown] of Object.entries(choices.features)) {
    const label = document.createElement("label");
    label.className = "check";
    const input = document.createElement("input");
    input.type = "checkbox";
    input.dataset.feature = name;
    input.dataset.testid = `feature-${name}`;
    input.addEventListener("change", commitFeatures);
    label.append(input, ` ${shown}`);
    box.append(label);
  }
}

// the value a control shows, as text
function controlValue(el) {
  return el.type === "checkbox" ? String(el.checked) : el.value;
}

export function showSettings(settings) {
  state.settings = settings;
  for (const el of document.querySelectorAll("[data-setting]")) {
    const name = el.dataset.setting;
    if (!(name in settings)) continue;
    // a control being edited (typed into, not yet committed) keeps what the user typed
    if (name in state.sent && controlValue(el) !== state.sent[name]) continue;
    const value = settings[name] === null ? "" : String(settings[name]);
    if (el.type === "checkbox") {
      el.checked = value === "true";
    } else {
      if (el.tagName === "SELECT" && ![...el.options].some((o) => o.value === value)) {
        el.append(new Option(value, value));
      }
      el.value = value;
    }
    state.sent[name] = value;
  }
  const chosen = new Set(settings.features.split(","));
  for (const input of $("features").querySelectorAll("input[data-feature]")) {
    input.checked = chosen.has(input.dataset.feature);
  }
  $("n0").textContent = `n[0] = ${chosen.size}`;
  const [x1, x2] = settings.columns ? settings.columns.split(",") : ["", ""];
  $("column-x1").value = x1;
  $("column-x2").value = x2;
  $("own-columns").hidden = !(state.upload && settings.dataset === "upload");
  const fixed = settings.dataset === "planar" || settings.dataset === "upload";
  $("noise").disabled = fixed;
  $("noise").placeholder = settings.dataset === "planar" ? "the course's own"
    : settings.dataset === "upload" ? "the file's own" : "";
}

export function commit(el) {
  const name = el.dataset.setting;
  const value = controlValue(el);
  if (state.sent[name] === value) return;
  state.sent[name] = value;
  send({ type: "settings", settings: { [name]: value } });
}

function commitFeatures() {
  const chosen = [...$("features").querySelectorAll("input[data-feature]:checked")]
    .map((input) => input.dataset.feature);
  send({ type: "settings", settings: { features: chosen.join(",") } });
}

function commitColumns() {
  send({ type: "settings", settings: { columns: `${$("column-x1").value},${$("column-x2").value}` } });
}

// ------------------------------------------------------------------ one's own CSV file

export function showUpload(msg) {
  state.upload = msg;
  const options = (names) => names.map((c) => new Option(c, c));
  $("column-x1").replaceChildren(...options(msg.numeric));
  $("column-x2").replaceChildren(...options(msg.numeric));
  $("label-column").replaceChildren(...options(msg.columns));
  delete state.sent.label;
  $("own-columns").hidden = false;
  showMessage(`${msg.name}: ${msg.rows} rows, columns ${msg.columns.join(", ")}. ` +
    "Choose the columns shown as x1 and x2 and the label below the data set.", "notice");
}

async function readFile(file) {
  if (!file) return;
  const limit = state.choices.limits.upload_bytes;
  if (file.size > limit) {
    showMessage(`${file.name} cannot be used: it has ${file.size} bytes; the playground takes ` +
      `CSV files up to ${limit} bytes.`, "error");
    return;
  }
  send({ type: "upload", name: file.name, text: await file.text() });
}

// ------------------------------------------------------------------ sharing

const SHARED = ["dataset", "noise", "validation", "show_test", "seed", "features", "hidden",
  "activation", "init", "learning_rate", "optimizer", "batch_size", "l2", "keep_prob", "speed",
  "columns", "label"];

export function shareUrl() {
  const params = new URLSearchParams();
  for (const name of SHARED) {
    const value = state.settings[name];
    params.set(name, value === null ? "" : String(value));
  }
  return `${location.origin}${location.pathname}#${params}`;
}

async function share() {
  const url = shareUrl();
  $("share-url").value = url;
  $("share-url").hidden = false;
  $("share-url").select();
  history.replaceState(null, "", url);
  try {
    await navigator.clipboard.writeText(url);
    $("share").textContent = "Copied: share these settings";
  } catch {
    $("share").textContent = "Share these settings (copy the address below)";
  }
}

// the settings of a shared address, sent once the server has said hello
export function restoreShared() {
  if (!location.hash.startsWith("#") || location.hash.length < 2) return;
  const params = new URLSearchParams(location.hash.slice(1));
  const settings = {};
  for (const name of SHARED) if (params.has(name)) settings[name] = params.get(name);
  if (settings.dataset === "upload") {
    delete settings.dataset; delete settings.columns; delete settings.label;
    showMessage("These settings were shared with a CSV file of one's own: the address holds " +
      "the settings, not the data; choose the file again.", "notice");
  } else {
    delete settings.columns; delete settings.label;
  }
  if (Object.keys(settings).length) send({ type: "settings", settings });
}

export function initControls() {
  for (const el of document.querySelectorAll("[data-setting]")) {
    el.addEventListener("change", () => commit(el));
    if (el.tagName === "INPUT" && el.type !== "checkbox") {
      el.addEventListener("keydown", (event) => { if (event.key === "Enter") commit(el); });
    }
  }
  $("column-x1").addEventListener("change", commitColumns);
  $("column-x2").addEventListener("change", commitColumns);
  $("upload").addEventListener("change", () => { readFile($("upload").files[0]); $("upload").value = ""; });
  document.addEventListener("dragover", (event) => { event.preventDefault(); document.body.classList.add("dragging"); });
  document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    document.body.classList.remove("dragging");
    readFile(event.dataTransfer.files[0]);
  });
  $("share").addEventListener("click", share);
}
