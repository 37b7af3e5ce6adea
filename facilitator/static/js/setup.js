// The set-up page: a workshop's title and teams, its maze (generated from a seed, or drawn
// square by square and checked by the server as it is drawn) and its rules; it ends on the
// console link.

import { t, lang, squareName } from "./shared.js";
import { duration } from "./format.js";
import { rememberWorkshop, saveBlob, copyText } from "./access.js";

const $ = (selector) => document.querySelector(selector);
const options = JSON.parse($("#setup-options").textContent);
const form = $("#setup-form");
const grid = $("#preview-grid");
const PREVIEW_DELAY_MS = 250;

const state = {
  size: { cols: 6, rows: 9 }, // the last size within the limits
  teams: 1, // likewise, the number of teams
  mode: "generated",
  drawn: [], // the drawn path, as [row, col] squares
  preview: null, // the server's last answer
  previewTimer: null,
  previewAsked: 0,
  focus: [0, 0],
  mazeRefused: false, // the form's error is about the maze: a valid preview clears it
  verdict: null, // the server's last answer on a drawing: {drawing (as JSON), answer}
};

// --- numbers from the form -------------------------------------------------------------------

function whole(input, fallback) {
  const value = Number(input.value);
  return Number.isFinite(value) && input.value.trim() !== "" ? value : fallback;
}

// A whole number within [low, high] from an input, or null.
function wholeIn(input, [low, high]) {
  const text = input.value.trim();
  const value = Number(text);
  return text !== "" && Number.isInteger(value) && value >= low && value <= high ? value : null;
}

// The numbers the page checks itself, with where it says what is allowed.
const LIMITED = [
  { input: "#cols", limits: "cols", error: "#size-error" },
  { input: "#rows", limits: "rows", error: "#size-error" },
  { input: "#teams", limits: "teams", error: "#teams-error" },
];

function labelOf(field) {
  return (field.labels?.[0]?.textContent ?? field.getAttribute("aria-label") ?? "").trim();
}

// Marks each number outside its limits and says what is allowed; returns the first such field.
function checkLimits() {
  const said = new Map(LIMITED.map(({ error }) => [error, []]));
  let first = null;
  for (const { input: selector, limits, error } of LIMITED) {
    const input = $(selector);
    const [min, max] = options.limits[limits];
    if (wholeIn(input, [min, max]) === null) {
      input.setAttribute("aria-invalid", "true");
      said.get(error).push(t("fac.setup.out_of_range", { field: labelOf(input), min, max }));
      first ??= input;
    } else input.removeAttribute("aria-invalid");
  }
  for (const [error, texts] of said) $(error).textContent = texts.join(" ");
  return first;
}

// The board's size: what the fields say, or the last size they said within the limits.
function boardSize() {
  state.size = {
    cols: wholeIn($("#cols"), options.limits.cols) ?? state.size.cols,
    rows: wholeIn($("#rows"), options.limits.rows) ?? state.size.rows,
  };
  return state.size;
}

function sizeIsValid() {
  return wholeIn($("#cols"), options.limits.cols) !== null && wholeIn($("#rows"), options.limits.rows) !== null;
}

function newSeed() {
  const values = new Uint32Array(1);
  crypto.getRandomValues(values);
  return values[0] % 2 ** 31;
}

// --- team names ------------------------------------------------------------------------------

function teamCount() {
  state.teams = wholeIn($("#teams"), options.limits.teams) ?? state.teams;
  return state.teams;
}

function renderTeamNames() {
  const list = $("#team-names");
  const kept = [...list.querySelectorAll("input")].map((input) => input.value);
  const fields = [];
  for (let n = 1; n <= teamCount(); n += 1) {
    const id = `team-name-${n}`;
    const wrapper = document.createElement("div");
    wrapper.className = "team-name";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = t("fac.setup.team_name_n", { n });
    const input = document.createElement("input");
    input.id = id;
    input.name = "team_name";
    input.maxLength = 30;
    input.autocomplete = "off";
    input.placeholder = t("fac.setup.team_default", { n });
    input.value = kept[n - 1] ?? "";
    wrapper.append(label, input);
    fields.push(wrapper);
  }
  list.replaceChildren(...fields);
}

// --- the preview grid (and the drawing) ----------------------------------------------------------

const keyOf = (row, col) => `${row},${col}`;

function shownPath() {
  return state.mode === "drawn" ? state.drawn : state.preview?.path ?? [];
}

function renderGrid() {
  const { cols, rows } = boardSize();
  const drawing = state.mode === "drawn";
  const path = shownPath();
  const index = new Map(path.map((square, i) => [keyOf(square[0], square[1]), i]));
  grid.style.setProperty("--cols", String(cols));
  grid.classList.toggle("is-drawing", drawing);
  grid.setAttribute("aria-rowcount", String(rows));
  grid.setAttribute("aria-colcount", String(cols));
  const [focusRow, focusCol] = state.focus;
  const lines = [];
  for (let row = rows - 1; row >= 0; row -= 1) {
    const line = document.createElement("div");
    line.className = "pick-row";
    line.setAttribute("role", "row");
    for (let col = 0; col < cols; col += 1) {
      const cell = document.createElement("div");
      cell.setAttribute("role", "gridcell");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "pick";
      button.dataset.row = String(row);
      button.dataset.col = String(col);
      const at = index.get(keyOf(row, col));
      const parts = [squareName([row, col])];
      if (at !== undefined) {
        button.classList.add("on-path");
        if (at === path.length - 1) button.classList.add("is-last");
        button.textContent = String(at + 1);
        parts.push(t("fac.setup.step_n", { n: at + 1 }));
      }
      if (row === 0) button.classList.add("entry-row");
      button.setAttribute("aria-label", parts.join(", "));
      if (drawing) button.setAttribute("aria-pressed", String(at !== undefined));
      else button.setAttribute("aria-disabled", "true");
      button.tabIndex = row === Math.min(focusRow, rows - 1) && col === Math.min(focusCol, cols - 1) ? 0 : -1;
      cell.append(button);
      line.append(cell);
    }
    lines.push(line);
  }
  const hadFocus = grid.contains(document.activeElement);
  grid.replaceChildren(...lines);
  if (hadFocus) grid.querySelector('[tabindex="0"]')?.focus();
}

function pick(row, col) {
  const path = state.drawn;
  const at = path.findIndex(([r, c]) => r === row && c === col);
  if (at === -1) path.push([row, col]);
  else path.splice(at); // a square already drawn goes, with every square after it
  state.focus = [row, col];
  renderGrid();
  askPreview();
}

grid.addEventListener("click", (event) => {
  const button = event.target.closest(".pick");
  if (!button || state.mode !== "drawn") return;
  pick(Number(button.dataset.row), Number(button.dataset.col));
});

grid.addEventListener("keydown", (event) => {
  const button = event.target.closest(".pick");
  if (!button) return;
  const { cols, rows } = boardSize();
  let row = Number(button.dataset.row);
  let col = Number(button.dataset.col);
  const moves = { ArrowUp: [1, 0], ArrowDown: [-1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  if (!(event.key in moves)) return;
  event.preventDefault();
  row = Math.min(rows - 1, Math.max(0, row + moves[event.key][0]));
  col = Math.min(cols - 1, Math.max(0, col + moves[event.key][1]));
  state.focus = [row, col];
  for (const other of grid.querySelectorAll(".pick")) other.tabIndex = -1;
  const target = grid.querySelector(`.pick[data-row="${row}"][data-col="${col}"]`);
  target.tabIndex = 0;
  target.focus();
});

function mazeFields() {
  const { cols, rows } = boardSize();
  const fields = { cols, rows, diagonal: $("#diagonal").checked };
  if (state.mode === "drawn") fields.path = state.drawn.map(([row, col]) => [row, col]);
  else {
    fields.seed = Math.max(0, Math.round(whole($("#seed"), 0)));
    fields.difficulty = $("#difficulty").value;
  }
  return fields;
}

// The server's verdict on a maze, as the form says it, naming the field as the set-up does:
// "Path: square 3 (row 2, column 1) is not next to …".
function previewRefusalText(answer) {
  const detail = Array.isArray(answer.detail) ? answer.detail[0] : null;
  return refusalText(detail ? { ...detail, loc: ["body", "maze", ...detail.loc.slice(1)] } : null, answer).text;
}

const moveList = new Intl.ListFormat(lang, { type: "conjunction" });

// "Path of 7 squares: 4 forward moves, 1 sideways move and 1 backward move."; a kind of move
// the path has none of is left out.
function shapeText(answer) {
  const moves = ["forward", "sideways", "backward"]
    .filter((kind) => answer.shape[kind] > 0)
    .map((kind) => t(`fac.setup.moves_${kind}`, { count: answer.shape[kind] }));
  return t("fac.setup.preview_status", { count: answer.length, moves: moveList.format(moves) });
}

function clearMazeRefusal() {
  if (!state.mazeRefused) return;
  state.mazeRefused = false;
  $("#form-error").textContent = "";
}

function askPreview() {
  clearTimeout(state.previewTimer);
  state.previewTimer = setTimeout(preview, PREVIEW_DELAY_MS);
}

async function preview() {
  const status = $("#preview-status");
  const error = $("#preview-error");
  if (!sizeIsValid()) return; // the size's own message says what is allowed
  if (state.mode === "drawn" && state.drawn.length === 0) {
    state.preview = null;
    status.textContent = t("fac.setup.draw_empty");
    error.textContent = "";
    renderGrid();
    return;
  }
  const asked = ++state.previewAsked;
  const drawing = state.mode === "drawn" ? JSON.stringify(state.drawn) : null;
  let answer;
  let ok;
  try {
    const response = await fetch("/api/maze/preview", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(mazeFields()),
    });
    ok = response.ok;
    answer = await response.json();
  } catch {
    if (asked === state.previewAsked) error.textContent = t("fac.error.offline");
    return;
  }
  if (asked !== state.previewAsked) return; // a newer question is on its way
  if (drawing !== null) state.verdict = { drawing, answer };
  if (ok && answer.valid === false) {
    // Short of the far edge is where every drawing is on its way there: not an error yet.
    error.textContent = answer.unfinished ? "" : previewRefusalText(answer);
    status.textContent = answer.unfinished
      ? t("fac.setup.draw_short", { count: state.drawn.length, rows: boardSize().rows })
      : t("fac.setup.draw_count", { count: state.drawn.length });
  } else if (!ok) {
    error.textContent = previewRefusalText(answer);
    status.textContent = state.mode === "drawn" ? t("fac.setup.draw_count", { count: state.drawn.length }) : "";
    if (state.mode !== "drawn") state.preview = null;
  } else {
    error.textContent = "";
    clearMazeRefusal();
    if (state.mode !== "drawn") state.preview = answer;
    status.textContent = shapeText(answer);
    if (state.mode === "drawn") status.textContent = `${t("fac.setup.draw_valid")} ${status.textContent}`;
    else if (teamCount() > 1 && !$("#same-maze").checked) status.textContent += ` ${ownPathsText()}`;
  }
  renderGrid();
}

// With "same maze" off the server gives team n the seed + n - 1 (see POST /api/workshops).
function ownPathsText() {
  const seed = mazeFields().seed;
  const others = teamCount() - 1;
  const seeds = others === 1 ? String(seed + 1) : `${seed + 1}–${seed + others}`;
  return t("fac.setup.own_paths", { seeds });
}

function setMode(mode) {
  state.mode = mode;
  $("#generated-fields").hidden = mode !== "generated";
  $("#drawn-fields").hidden = mode !== "drawn";
  $(`#mode-${mode}`).checked = true;
  $("#draw-help").hidden = mode !== "drawn";
  askPreview();
  renderGrid();
}

for (const radio of form.querySelectorAll('input[name="mode"]')) {
  radio.addEventListener("change", () => setMode(radio.value));
}

$("#new-seed").addEventListener("click", () => {
  $("#seed").value = String(newSeed());
  askPreview();
});
$("#draw-undo").addEventListener("click", () => {
  state.drawn.pop();
  renderGrid();
  askPreview();
});
$("#draw-clear").addEventListener("click", () => {
  state.drawn = [];
  renderGrid();
  askPreview();
});
$("#draw-from-preview").addEventListener("click", async () => {
  const saved = state.mode;
  if (saved !== "generated" || !state.preview) {
    state.mode = "generated";
    await preview();
  }
  state.drawn = (state.preview?.path ?? []).map(([row, col]) => [row, col]);
  setMode("drawn");
});

for (const selector of ["#cols", "#rows"]) {
  $(selector).addEventListener("input", () => {
    checkLimits();
    const { cols, rows } = boardSize();
    state.drawn = state.drawn.filter(([row, col]) => row < rows && col < cols);
    askPreview();
  });
}
for (const selector of ["#seed", "#difficulty", "#diagonal", "#same-maze"]) {
  $(selector).addEventListener("input", askPreview);
  $(selector).addEventListener("change", askPreview);
}
$("#teams").addEventListener("input", () => {
  checkLimits();
  renderTeamNames();
  askPreview();
});

// --- durations read aloud next to their seconds ---------------------------------------------

for (const input of form.querySelectorAll("input[data-duration]")) {
  const output = document.createElement("output");
  output.className = "duration-output";
  output.htmlFor = input.id;
  const show = () => {
    const seconds = Number(input.value);
    output.textContent = Number.isFinite(seconds) && seconds >= 60 ? `= ${duration(seconds)}` : "";
  };
  input.after(output);
  input.addEventListener("input", show);
  show();
}

const idleOff = $("#rule-idle-off");
function idleChanged() {
  $("#rule-idle_timeout_s").disabled = idleOff.checked;
}
idleOff.addEventListener("change", idleChanged);
idleChanged();

// --- penalties -----------------------------------------------------------------------------

function renumberPenalties() {
  const rows = [...$("#penalty-rows").querySelectorAll("tr")];
  rows.forEach((row, index) => {
    const [kind, seconds] = row.querySelectorAll("input");
    kind.setAttribute("aria-label", t("fac.setup.penalty_kind_n", { n: index + 1 }));
    seconds.setAttribute("aria-label", t("fac.setup.penalty_seconds_n", { n: index + 1 }));
    row.querySelector(".remove-penalty").disabled = rows.length === 1;
  });
  $("#add-penalty").disabled = rows.length >= options.limits.penalty_kinds;
}

$("#add-penalty").addEventListener("click", () => {
  const body = $("#penalty-rows");
  const row = body.querySelector("tr").cloneNode(true);
  const [kind, seconds] = row.querySelectorAll("input");
  kind.value = "";
  seconds.value = "30";
  body.append(row);
  renumberPenalties();
  kind.focus();
});

$("#penalty-rows").addEventListener("click", (event) => {
  const button = event.target.closest(".remove-penalty");
  if (!button) return;
  const row = button.closest("tr");
  const next = row.nextElementSibling ?? row.previousElementSibling;
  row.remove();
  renumberPenalties();
  next?.querySelector("input")?.focus();
});

// --- creating the workshop -----------------------------------------------------------------

function rules() {
  const value = (name) => form.elements[name].value;
  const penalties = {};
  for (const row of $("#penalty-rows").querySelectorAll("tr")) {
    const [kind, seconds] = row.querySelectorAll("input");
    if (kind.value.trim()) penalties[kind.value.trim()] = Number(seconds.value);
  }
  return {
    retrace: value("retrace"),
    beep_delay_s: Number(value("beep_delay_s")),
    idle_timeout_s: idleOff.checked ? null : Number(value("idle_timeout_s")),
    planning_s: Number(value("planning_s")),
    huddle_budget_s: Number(value("huddle_budget_s")),
    penalties,
    learning_ends: value("learning_ends"),
    max_walkers: Number(value("max_walkers")),
    execution_error_s: Number(value("execution_error_s")),
    memory_aids: form.elements.memory_aids.checked,
  };
}

function request() {
  // A team left unnamed gets the name its field suggests, in the page's language.
  const names = [...$("#team-names").querySelectorAll("input")].map((input) => input.value.trim() || input.placeholder);
  return {
    title: $("#title").value.trim() || t("app.name"),
    teams: teamCount(),
    same_maze: state.mode === "drawn" || $("#same-maze").checked,
    team_names: names,
    maze: mazeFields(),
    rules: rules(),
  };
}

// The field a refusal names (its loc), to mark and focus.
function fieldFor(loc) {
  const [, section, name, part] = loc;
  if (section === "title") return $("#title");
  if (section === "teams") return $("#teams");
  if (section === "team_names") return $(`#team-name-${Number(name ?? 0) + 1}`) ?? $("#team-names input");
  if (section === "same_maze") return $("#same-maze");
  if (section === "maze") return name === "path" ? grid.querySelector('[tabindex="0"]') : $(`#${name}`);
  if (section === "rules" && name === "penalties") {
    const row = [...$("#penalty-rows").querySelectorAll("tr")].find((tr) => tr.querySelector("input").value.trim() === part);
    return row ? row.querySelectorAll("input")[1] : $("#penalty-rows input");
  }
  if (section === "rules") return $(`#rule-${name}`);
  return null;
}

// What a person calls the field a refusal names, instead of its name in the request.
function fieldLabel(loc, field) {
  const [, section, name, part] = loc;
  if (section === "maze" && name === "path") return $("#path-legend").textContent.trim();
  if (section === "rules" && name === "penalties" && part === undefined) return $("#penalties-legend").textContent.trim();
  return field ? labelOf(field) : "";
}

// Our own reasons for refusing (from the rules' checks), matched to be said in the page's
// language; any other reason is shown as the server wrote it.
const SQUARE = String.raw`square (?<n>\d+) \(row (?<row>\d+), column (?<col>\d+)\)`;
const PLACE = String.raw`row (?<row2>\d+), column (?<col2>\d+)`;
const REASONS = [
  [String.raw`must be (?:a whole number |a number )?from (?<min>[-\d.e+]+) to (?<max>[-\d.e+]+), not (?<value>.+)`, "fac.reason.range"],
  [String.raw`at most (?<max>\d+) kinds`, "fac.reason.penalty_kinds"],
  [String.raw`kind (?<kind>.+) must be lower-case letters, digits or _ \(up to 24\), starting with a letter`, "fac.reason.penalty_kind"],
  [String.raw`must map each penalty kind to its seconds`, "fac.reason.no_penalties"],
  [String.raw`the path is empty: it needs at least one square in each row`, "fac.reason.path_empty"],
  [String.raw`${SQUARE} is off the (?<cols>\d+)x(?<rows>\d+) board`, "fac.reason.off_board"],
  [String.raw`${SQUARE} must be in the first row, where the team enters`, "fac.reason.first_row"],
  [String.raw`${SQUARE} returns to the entry row; only the first square may`, "fac.reason.entry_row"],
  [String.raw`${SQUARE} is already on the path; a path never reuses a square`, "fac.reason.reused"],
  [String.raw`${SQUARE} is not next to ${PLACE}; each square must touch the one before it side by side or diagonal with no gap`, "fac.reason.gap_diagonal"],
  [String.raw`${SQUARE} is not next to ${PLACE}; each square must touch the one before it side by side with no gap`, "fac.reason.gap"],
  [String.raw`${SQUARE} makes the path cross itself diagonally`, "fac.reason.crosses"],
  [String.raw`${SQUARE} reaches the last row before the end; the path ends where it first reaches the far edge`, "fac.reason.last_row_early"],
  [String.raw`the path ends at ${PLACE}, short of the far edge \(row (?<rows>\d+)\)`, "fac.reason.short"],
].map(([pattern, key]) => [new RegExp(`^${pattern}$`), key]);

function reasonText(reason) {
  for (const [pattern, key] of REASONS) {
    const match = pattern.exec(reason);
    if (match) return t(key, { ...match.groups });
  }
  return reason;
}

// A refusal (the first item of a 422's detail) as a person reads it, and the field to focus.
function refusalText(detail, answer) {
  if (!detail) return { text: answer?.message ?? t("error.unknown"), field: null };
  const field = fieldFor(detail.loc);
  const label = fieldLabel(detail.loc, field);
  const reason = reasonText(detail.msg);
  return { text: label ? `${label}: ${reason}` : reason, field };
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = $("#create");
  const error = $("#form-error");
  for (const marked of form.querySelectorAll("[aria-invalid]")) marked.removeAttribute("aria-invalid");
  error.textContent = "";
  const outOfRange = checkLimits();
  if (outOfRange) {
    error.textContent = [$("#size-error").textContent, $("#teams-error").textContent].filter(Boolean).join(" ");
    outOfRange.focus();
    return;
  }
  if (state.mode === "drawn" && state.drawn.length === 0) {
    error.textContent = t("fac.setup.draw_empty");
    state.mazeRefused = true;
    return;
  }
  // A drawing the server has already found wrong is not sent again.
  const verdict = state.mode === "drawn" && state.verdict?.drawing === JSON.stringify(state.drawn) ? state.verdict.answer : null;
  if (verdict?.valid === false) {
    error.textContent = previewRefusalText(verdict);
    state.mazeRefused = true;
    const square = grid.querySelector('[tabindex="0"]');
    square?.setAttribute("aria-invalid", "true");
    square?.focus();
    return;
  }
  button.disabled = true;
  button.textContent = t("fac.setup.creating");
  try {
    const response = await fetch("/api/workshops", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request()),
    });
    const answer = await response.json();
    if (!response.ok) {
      const detail = Array.isArray(answer.detail) ? answer.detail[0] : null;
      const refusal = refusalText(detail, answer);
      error.textContent = refusal.text;
      state.mazeRefused = detail?.loc?.[1] === "maze";
      const field = refusal.field;
      if (field) {
        field.setAttribute("aria-invalid", "true");
        field.focus();
      }
      return;
    }
    created(answer, request());
  } catch {
    error.textContent = t("fac.error.offline");
  } finally {
    button.disabled = false;
    button.textContent = t("fac.setup.create");
  }
});

function created(answer, asked) {
  const link = answer.facilitator_url;
  // Kept on this device: its console opens again from /facilitate or the bare address.
  rememberWorkshop(answer.workshop_id, {
    token: answer.facilitator_token,
    title: asked.title || t("app.name"),
    created_at: Date.now() / 1000,
  });
  form.hidden = true;
  $("#console-link").value = link;
  recovery = { code: answer.recovery_code, title: asked.title || t("app.name"), url: link.split("#")[0], id: answer.workshop_id };
  $("#recovery-code").textContent = answer.recovery_code;
  // Open it on this server, whatever address phones use to reach it.
  $("#open-console").href = `/facilitate/${encodeURIComponent(answer.workshop_id)}#${answer.facilitator_token}`;
  const rows = answer.teams.map((team, index) => {
    const row = document.createElement("tr");
    const name = document.createElement("td");
    name.textContent = asked.team_names[index] || t("fac.setup.team_default", { n: index + 1 });
    const code = document.createElement("td");
    code.className = "code";
    code.textContent = team.join_code;
    const url = document.createElement("td");
    url.textContent = team.join_url;
    row.append(name, code, url);
    return row;
  });
  $("#created-teams").replaceChildren(...rows);
  const panel = $("#created");
  panel.hidden = false;
  panel.focus();
  document.title = `${t("fac.created.title")} · ${t("app.name")}`;
}

let recovery = null; // the workshop's recovery code, shown once

$("#copy-recovery").addEventListener("click", async () => {
  if (!recovery) return;
  const copied = await copyText(recovery.code);
  $("#recovery-status").textContent = copied ? t("fac.copied") : t("fac.created.recovery_by_hand");
});

$("#download-recovery").addEventListener("click", () => {
  if (!recovery) return;
  const text = [
    t("fac.created.recovery_file_title", { title: recovery.title }),
    "",
    `${t("fac.created.recovery_file_console")} ${recovery.url}`,
    `${t("fac.created.recovery_file_code")} ${recovery.code}`,
    "",
    t("fac.created.recovery_file_how"),
    "",
  ].join("\n");
  saveBlob(new Blob([text], { type: "text/plain;charset=utf-8" }), `electric-maze-recovery-${recovery.id}.txt`);
  $("#recovery-status").textContent = t("fac.created.recovery_saved");
});

$("#copy-link").addEventListener("click", async () => {
  const input = $("#console-link");
  let copied = false;
  try {
    await navigator.clipboard.writeText(input.value);
    copied = true;
  } catch {
    input.select();
  }
  $("#copy-status").textContent = copied ? t("fac.copied") : t("fac.copy_by_hand");
});

// --- start ------------------------------------------------------------------------------------

if (!$("#seed").value) $("#seed").value = String(newSeed());
renderTeamNames();
renumberPenalties();
setMode("generated");
preview();
