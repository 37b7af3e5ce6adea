// The facilitator's console: every team's lobby, board, timers, controls and live chart.
// Everything shown comes from the server's facilitator view and its metrics; the console
// sends commands and shows what comes back. Reopened anywhere, it shows the same.

import { t, has, describe } from "./shared.js";
import {
  readToken,
  showRefusal,
  getChoice,
  setChoice,
  keepLanguageLinks,
  pageLink,
  debriefPath,
  authorised,
  copyText,
  workshopId,
  rememberWorkshop,
} from "./access.js";
import { ConsoleSocket } from "./socket.js";
import { $, el, setText } from "./dom.js";
import { drawMaze, heatFrom } from "./maze.js";
import { failuresChart, setFailures, failuresRows, executionRows, progressStrip } from "./charts.js";
import { countdown, duration, parseDuration, penaltyName, percent, timeOfDay, DASH } from "./format.js";
import { phaseSeconds, adjustedSeconds, waitingForFirstStep } from "./timers.js";
import { outageText, showOutages } from "./outages.js";

const LOG_LENGTH = 80;
const ERROR_SHOWN_MS = 10_000;


const token = readToken();
const state = {
  socket: null,
  view: null,
  metrics: null,
  teamId: null,
  everyTeamOffer: null, // the every-team buttons on show, to redraw them only when they change
  overviewRows: new Map(), // team id -> its row of the overview, made once
  log: new Map(), // team id -> Map(seq -> event record), the recent ones
  errorTimer: null,
  chart: null,
  lastPhase: new Map(),
  beepPhase: null, // "learning" or "execution", when the facilitator chose one
  dragging: null,
  names: new Map(), // player id -> name, kept for players who have left
  rememberedTitle: null, // the title this device's list of workshops has
};

// --- access ----------------------------------------------------------------------------------

function deny(reason) {
  if (reason === "closed") setConnection("closed");
  else showRefusal(reason);
}

// --- helpers ---------------------------------------------------------------------------------



function teams() {
  return state.view?.teams ?? [];
}

function team() {
  return teams().find((candidate) => candidate.id === state.teamId) ?? teams()[0] ?? null;
}

function nameOf(teamView, player) {
  return teamView.players.find((p) => p.id === player)?.name ?? t("someone");
}

function now() {
  return state.socket.now();
}

// Keep focus where it was when a list is drawn again (found by its data-key).
function keepingFocus(container, draw) {
  const active = document.activeElement;
  const key = container.contains(active) ? active.dataset.key : null;
  draw();
  if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

// --- commands --------------------------------------------------------------------------------

function send(type, fields = {}, { team: teamId = state.teamId } = {}) {
  const message = type === "end" ? { type } : { type, team: teamId, ...fields };
  if (!state.socket.send(message)) {
    showError(t("fac.error.offline"));
    return false;
  }
  clearError();
  return true;
}

function showError(text) {
  const box = $("#command-error");
  box.textContent = text;
  clearTimeout(state.errorTimer);
  state.errorTimer = setTimeout(clearError, ERROR_SHOWN_MS);
}

function clearError() {
  $("#command-error").textContent = "";
}

function errorText(error) {
  const key = `fac.error.${error.code}`;
  return has(key) ? t(key) : error.message;
}

// A yes/no question in a modal dialog; resolves true for yes.
function confirmAction({ title, text, ok }) {
  const dialog = $("#confirm-dialog");
  setText($("#confirm-title"), title);
  setText($("#confirm-text"), text);
  setText($("#confirm-ok"), ok);
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

// Cancel is a plain button, not the form's first submit button: Enter in a dialog's field
// submits the form, with the button that says yes.
for (const button of document.querySelectorAll("dialog [data-close-dialog]")) {
  button.addEventListener("click", () => button.closest("dialog").close("cancel"));
}

// --- the controls ----------------------------------------------------------------------------

const CONFIRMS = {
  end_learning: (teamView) => ({
    title: t("fac.confirm.end_learning_title"),
    text: teamView.path_found ? t("fac.confirm.end_learning_found") : t("fac.confirm.end_learning"),
    ok: t("fac.controls.end_learning"),
  }),
  end_execution: () => ({
    title: t("fac.confirm.end_execution_title"),
    text: t("fac.confirm.end_execution"),
    ok: t("fac.controls.end_execution"),
  }),
};

const COMMAND_OF = { end_planning: "end_phase", end_learning: "end_phase", end_execution: "end_phase" };

for (const button of document.querySelectorAll(".phase-controls [data-command]")) {
  button.addEventListener("click", async () => {
    const teamView = team();
    if (!teamView) return;
    const name = button.dataset.command;
    const question = CONFIRMS[name];
    if (question && !(await confirmAction(question(teamView)))) return;
    send(COMMAND_OF[name] ?? name);
  });
}

$("#huddle-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("#huddle-seconds");
  const seconds = Number(input.value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    showError(t("fac.error.bad_huddle"));
    input.focus();
    return;
  }
  send("huddle", { seconds });
});
$('[data-command="end_huddle"]').addEventListener("click", () => send("end_huddle"));

$("#withdraw-penalty").addEventListener("click", (event) => {
  send("withdraw_penalty", { penalty: Number(event.currentTarget.dataset.penalty) });
});

$("#penalty-buttons").addEventListener("click", (event) => {
  const button = event.target.closest("[data-kind]");
  if (button) send("penalty", { kind: button.dataset.kind });
});

$("#skip-buttons").addEventListener("click", (event) => {
  const button = event.target.closest("[data-player]");
  if (button) send("skip_turn", { player: button.dataset.player });
});

$("#predict-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("#prediction");
  const seconds = parseDuration(input.value);
  if (seconds === null || seconds < 1) {
    showError(t("fac.error.prediction_format"));
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  if (send("predict", { seconds })) input.value = "";
});

$("#end-session").addEventListener("click", async () => {
  const yes = await confirmAction({
    title: t("fac.confirm.end_session_title"),
    text: t("fac.confirm.end_session"),
    ok: t("fac.console.end_session"),
  });
  if (yes) send("end");
});

$("#lock").addEventListener("click", () => {
  const teamView = team();
  if (teamView) send("lock", { locked: !teamView.locked });
});
$("#shuffle").addEventListener("click", () => send("shuffle"));

$("#copy-console-link").addEventListener("click", async () => {
  const copied = await copyText(location.href);
  setText($("#copy-status"), copied ? t("fac.copied") : t("fac.copy_by_hand"));
  const button = $("#copy-console-link");
  button.textContent = copied ? t("fac.copied") : t("fac.copy_by_hand");
  setTimeout(() => (button.textContent = t("fac.console.copy_link")), 2500);
});

$("#chart-fullscreen").addEventListener("click", () => {
  const figure = $("#live-figure");
  if (document.fullscreenElement) document.exitFullscreen();
  else figure.requestFullscreen?.();
});
document.addEventListener("fullscreenchange", () => {
  setText($("#chart-fullscreen"), document.fullscreenElement ? t("fac.chart.exit_fullscreen") : t("fac.chart.fullscreen"));
});

for (const radio of document.querySelectorAll('input[name="beep-phase"]')) {
  radio.addEventListener("change", () => {
    state.beepPhase = radio.value;
    renderBeepMap();
  });
}

// --- players: rename, kick, ban, reorder -------------------------------------------------------

function moveInOrder(player, offset) {
  const teamView = team();
  const order = teamView.players.map((p) => p.id);
  const from = order.indexOf(player);
  const to = from + offset;
  if (from < 0 || to < 0 || to >= order.length) return;
  order.splice(to, 0, ...order.splice(from, 1));
  send("reorder", { order });
}

async function rename(player) {
  const teamView = team();
  const dialog = $("#rename-dialog");
  const input = $("#rename-input");
  const name = nameOf(teamView, player);
  setText($("#rename-label"), t("fac.players.rename_label", { name }));
  input.value = name;
  dialog.returnValue = "";
  dialog.showModal();
  input.select();
  await new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
  const chosen = input.value.trim();
  if (dialog.returnValue === "ok" && chosen && chosen !== name) send("rename", { player, name: chosen });
}

async function removePlayer(player, how) {
  const name = nameOf(team(), player);
  const yes = await confirmAction({
    title: t(`fac.confirm.${how}_title`, { name }),
    text: t(`fac.confirm.${how}`, { name }),
    ok: t(`fac.players.${how}`),
  });
  if (yes) send(how, { player });
}

$("#players").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const player = button.closest("[data-player]").dataset.player;
  const action = button.dataset.action;
  if (action === "up") moveInOrder(player, -1);
  else if (action === "down") moveInOrder(player, 1);
  else if (action === "rename") rename(player);
  else removePlayer(player, action);
});

// Dragging a player (mouse); the arrow buttons do the same from the keyboard or by touch.
$("#players").addEventListener("dragstart", (event) => {
  const item = event.target.closest("[data-player]");
  if (!item) return;
  state.dragging = item.dataset.player;
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", item.dataset.player);
  item.classList.add("is-dragging");
});
$("#players").addEventListener("dragover", (event) => {
  if (!state.dragging) return;
  event.preventDefault();
  const item = event.target.closest("[data-player]");
  for (const other of $("#players").querySelectorAll(".drop-target")) other.classList.remove("drop-target");
  if (item && item.dataset.player !== state.dragging) item.classList.add("drop-target");
});
$("#players").addEventListener("drop", (event) => {
  event.preventDefault();
  const item = event.target.closest("[data-player]");
  const moved = state.dragging;
  state.dragging = null;
  if (!item || !moved || item.dataset.player === moved) return;
  const order = team().players.map((p) => p.id);
  order.splice(order.indexOf(moved), 1);
  order.splice(order.indexOf(item.dataset.player) + (event.offsetY > item.offsetHeight / 2 ? 1 : 0), 0, moved);
  send("reorder", { order });
});
$("#players").addEventListener("dragend", () => {
  state.dragging = null;
  for (const item of $("#players").querySelectorAll(".is-dragging, .drop-target")) item.classList.remove("is-dragging", "drop-target");
});

// --- drawing ---------------------------------------------------------------------------------

function render() {
  const view = state.view;
  if (!view) return;
  if (!teams().some((candidate) => candidate.id === state.teamId)) state.teamId = teams()[0]?.id ?? null;
  setText($("#workshop-title"), view.session.title);
  document.title = `${view.session.title} · ${t("fac.console.page_title")}`;
  if (state.rememberedTitle !== view.session.title) {
    state.rememberedTitle = view.session.title; // for this device's list of workshops
    rememberWorkshop(workshopId, { token, title: view.session.title });
  }
  for (const link of [$("#debrief-link"), $("#ended-debrief")]) link.href = pageLink(debriefPath(), token);
  $("#team-debrief").href = pageLink(debriefPath(), token, { team: teams().length > 1 ? state.teamId : null });
  $("#ended-banner").hidden = !view.session.ended;
  setText($("#ended-text"), t(view.session.ended_by === "abandoned" ? "fac.console.ended_abandoned" : "fac.console.ended"));
  showOutages($("#outages"), view.session.outages);
  const shownTeam = team();
  $("#copy-hint").hidden = teams().length < 2 || !shownTeam;
  if (shownTeam) setText($("#copy-hint"), t("fac.console.copy_hint", { team: shownTeam.name }));
  $("#end-session").hidden = view.session.ended;
  renderOverview();
  renderTeam();
  renderTimers();
}

function renderOverview() {
  const several = teams().length > 1;
  $("#overview").hidden = !several;
  if (!several) return;
  // Rows are made once and then filled in: updates come many times a second while teams
  // play, and a button replaced between press and release loses the click.
  const rows = teams().map((teamView) => {
    let row = state.overviewRows.get(teamView.id);
    if (!row) {
      row = overviewRow(teamView);
      state.overviewRows.set(teamView.id, row);
    }
    fillOverviewRow(row, teamView);
    return row;
  });
  const body = $("#overview-rows");
  if (rows.some((row, index) => body.children[index] !== row)) body.replaceChildren(...rows);
  renderEveryTeam();
}

// Each figure with its column's name, shown where the rows are laid out as cards (on a
// tablet); screen readers have the column headers.
const OVERVIEW_FIGURES = [
  ["players", () => t("fac.overview.players")],
  ["learning", () => `${t("fac.timer.learning")}, ${t("fac.overview.raw_adjusted")}`],
  ["execution", () => `${t("fac.timer.execution")}, ${t("fac.overview.raw_adjusted")}`],
  ["failures", () => `${t("fac.overview.failures")}, ${t("fac.overview.new_repeat")}`],
  ["errors", () => t("fac.overview.errors")],
  ["path", () => t("fac.overview.path")],
];

function overviewRow(teamView) {
  const row = el("tr", { attrs: { "data-team": teamView.id } });
  const name = el("th", { attrs: { scope: "row" } });
  name.append(el("span", { className: "team-name" }));
  const phase = el("td", { className: "phase-cell" });
  const figures = OVERVIEW_FIGURES.map(([figure, label]) => {
    const attrs = { "data-figure": figure };
    if (figure === "learning" || figure === "execution") attrs["data-timer"] = figure;
    const cell = el("td", { className: "num", attrs });
    cell.append(el("span", { className: "cell-label", text: label(), attrs: { "aria-hidden": "true" } }), el("span", { className: "cell-value" }));
    return cell;
  });
  const open = el("td", { className: "open-cell" });
  const button = el("button", { attrs: { type: "button", "data-key": `open-${teamView.id}` } });
  button.append(el("span", { className: "open-text" }), el("span", { className: "visually-hidden team-name" }));
  button.addEventListener("click", () => selectTeam(teamView.id));
  open.append(button);
  row.append(name, phase, ...figures, open);
  return row;
}

function fillOverviewRow(row, teamView) {
  const shown = teamView.id === state.teamId;
  if (shown) row.setAttribute("aria-current", "true");
  else row.removeAttribute("aria-current");
  for (const name of row.querySelectorAll(".team-name")) setText(name, name.closest("button") ? ` ${teamView.name}` : teamView.name);
  const flag = teamView.huddle_ends_at !== null ? "huddle" : teamView.paused_since !== null ? "paused" : null;
  const phase = row.querySelector(".phase-cell");
  if (phase.dataset.shows !== `${teamView.phase}|${flag}`) {
    phase.dataset.shows = `${teamView.phase}|${flag}`;
    phase.replaceChildren(el("span", { className: `phase-badge phase-${teamView.phase}`, text: t(`phase.${teamView.phase}`) }));
    if (flag) phase.append(el("span", { className: `flag flag-${flag}`, text: t(`fac.flag.${flag}`) }));
  }
  const value = (figure, text) => setText(row.querySelector(`[data-figure="${figure}"] .cell-value`), text);
  value("players", String(teamView.players.length));
  value("failures", `${teamView.failures_by_kind.new} / ${teamView.failures_by_kind.repeat}`);
  value("errors", String(teamView.execution_errors));
  value("path", percent(learningProgress(teamView)));
  const button = row.querySelector("button");
  button.className = shown ? "primary small" : "secondary small";
  setText(button.querySelector(".open-text"), shown ? t("fac.overview.shown") : t("fac.overview.open"));
}

// With several teams, one click starts or pauses every team that is ready for it, so that
// they begin together.
const EVERY_TEAM = ["start_planning", "start_learning", "pause", "resume"];
const readyFor = (command) => teams().filter((teamView) => teamView.allowed.includes(command));

function renderEveryTeam() {
  const offered = EVERY_TEAM.map((command) => [command, readyFor(command).length]).filter(([, count]) => count > 1);
  $("#every-team").hidden = offered.length === 0;
  // Redrawn only when the offer changes: updates come many times a second while teams play,
  // and a button replaced under the pointer loses the click.
  const offer = JSON.stringify(offered);
  if (state.everyTeamOffer === offer) return;
  state.everyTeamOffer = offer;
  const buttons = offered.map(([command, count]) =>
    el("button", {
      className: "secondary small",
      text: t(`fac.overview.every_${command}`, { count }),
      attrs: { type: "button", "data-every": command, "data-key": `every-${command}` },
    }),
  );
  keepingFocus($("#every-team-buttons"), () => $("#every-team-buttons").replaceChildren(...buttons));
}

$("#every-team-buttons").addEventListener("click", (event) => {
  const command = event.target.closest("[data-every]")?.dataset.every;
  if (!command) return;
  for (const teamView of readyFor(command)) send(command, {}, { team: teamView.id });
});

// The share of the path found in the learning phase: execution walks the path too, but what
// the team found is what it had when learning ended.
function learningProgress(teamView) {
  if (teamView.execution.started_at === null) return teamView.progress;
  if (teamView.path_found) return 1;
  const reached = state.metrics?.teams?.[teamView.id]?.learning?.progress;
  if (!reached) return null;
  return reached.length ? reached[reached.length - 1].progress : 0;
}

function selectTeam(teamId) {
  if (state.teamId === teamId) {
    $("#team-title").scrollIntoView({ behavior: "smooth", block: "start" });
    return;
  }
  state.teamId = teamId;
  setChoice("team", teamId);
  state.beepPhase = null;
  render();
  renderLog();
  renderChart();
  renderBeepMap();
  $("#team-title").scrollIntoView({ behavior: "smooth", block: "start" });
}

function renderTeam() {
  const teamView = team();
  if (!teamView) return;
  const phase = teamView.phase;
  const previous = state.lastPhase.get(teamView.id);
  state.lastPhase.set(teamView.id, phase);
  document.body.dataset.phase = phase;
  setText($("#team-title"), teamView.name);
  const badge = $("#team-phase");
  badge.className = `phase-badge phase-${phase}`;
  setText(badge, t(`phase.${phase}`));
  const flags = [];
  if (teamView.huddle_ends_at !== null) flags.push(el("span", { className: "flag flag-huddle", text: t("fac.flag.huddle") }));
  else if (teamView.paused_since !== null) flags.push(el("span", { className: "flag flag-paused", text: t("fac.flag.paused") }));
  if (teamView.locked) flags.push(el("span", { className: "flag flag-locked", text: t("fac.flag.locked") }));
  $("#team-flags").replaceChildren(...flags);
  $("#team-done").hidden = !["done", "debrief"].includes(phase) || state.view.session.ended;

  renderControls(teamView);
  renderJoin(teamView, previous);
  renderPlayers(teamView);
  renderBoard(teamView);
}

function renderControls(teamView) {
  const phase = teamView.phase;
  const rules = state.view.session.rules;
  // The engine says which commands it would accept now (view.allowed): offer exactly those.
  const allowed = new Set(teamView.allowed);
  const paused = teamView.paused_since !== null;
  const huddle = teamView.huddle_ends_at !== null;
  const shown = {
    start_planning: allowed.has("start_planning"),
    // During planning the engine also accepts start_learning; one button says it all there.
    start_learning: allowed.has("start_learning") && phase !== "planning",
    end_planning: phase === "planning" && allowed.has("end_phase"),
    start_execution: allowed.has("start_execution"),
    pause: allowed.has("pause"),
    resume: allowed.has("resume"),
    end_learning: phase === "learning" && allowed.has("end_phase"),
    end_execution: phase === "execution" && allowed.has("end_phase"),
  };
  for (const button of document.querySelectorAll(".phase-controls [data-command]")) {
    button.hidden = !shown[button.dataset.command];
  }
  const noControls = $("#no-controls");
  noControls.hidden = Object.values(shown).some(Boolean);
  const everyTeamDone = teams().every((each) => ["done", "debrief"].includes(each.phase));
  let why = "";
  if (["done", "debrief"].includes(phase)) {
    why = everyTeamDone && !state.view.session.ended ? t("fac.controls.all_done") : t("fac.controls.none_done");
  }
  setText(noControls, why);

  // Huddles
  const huddleGroup = $('[data-group="huddle"]');
  huddleGroup.hidden = !allowed.has("huddle") && !allowed.has("end_huddle");
  const left = Math.floor(teamView.huddle_left_s);
  const input = $("#huddle-seconds");
  input.max = String(Math.max(1, left));
  if (document.activeElement !== input && (!input.value || Number(input.value) > left)) input.value = String(Math.max(0, left));
  $('[data-command="huddle"]').hidden = huddle;
  $('[data-command="end_huddle"]').hidden = !huddle;
  input.disabled = huddle || paused || left < 1;
  $('[data-command="huddle"]').disabled = paused || left < 1;
  renderHuddleLeft(teamView, now());

  // Penalties
  $('[data-group="penalty"]').hidden = !allowed.has("penalty");
  const kinds = Object.entries(rules.penalties);
  const buttons = kinds.map(([kind, seconds]) => {
    const button = el("button", { className: "secondary penalty", attrs: { type: "button", "data-kind": kind, "data-key": `penalty-${kind}` } });
    button.append(el("span", { text: penaltyName(kind) }), el("span", { className: "added", text: ` +${duration(seconds)}` }));
    return button;
  });
  keepingFocus($("#penalty-buttons"), () => $("#penalty-buttons").replaceChildren(...buttons));
  const counts = new Map();
  for (const penalty of teamView.penalties) counts.set(penalty.kind, (counts.get(penalty.kind) ?? 0) + 1);
  setText(
    $("#penalty-summary"),
    counts.size
      ? t("fac.controls.penalties_so_far", { list: [...counts].map(([kind, count]) => `${penaltyName(kind)} × ${count}`).join(", ") })
      : t("fac.controls.no_penalties"),
  );
  // A penalty recorded by mistake: the last one can be taken back (again and again).
  const last = teamView.penalties.at(-1);
  const withdraw = $("#withdraw-penalty");
  withdraw.hidden = !last || !allowed.has("withdraw_penalty");
  if (last) {
    withdraw.dataset.penalty = String(last.seq);
    setText(withdraw, t("fac.controls.withdraw_penalty", { kind: penaltyName(last.kind), time: duration(last.seconds) }));
  }

  // Skipping a walker's turn
  $('[data-group="skip"]').hidden = !allowed.has("skip_turn");
  const skips = teamView.walkers.map((walker) =>
    el("button", {
      className: "secondary",
      text: t("fac.controls.skip_player", { name: nameOf(teamView, walker.player) }),
      attrs: { type: "button", "data-player": walker.player, "data-key": `skip-${walker.player}` },
    }),
  );
  keepingFocus($("#skip-buttons"), () => $("#skip-buttons").replaceChildren(...skips));

  // The prediction
  $('[data-group="predict"]').hidden = !allowed.has("predict");
  setText(
    $("#prediction-now"),
    teamView.prediction_s === null
      ? t("fac.controls.no_prediction")
      : t("fac.controls.prediction_now", { time: duration(teamView.prediction_s) }),
  );
}

function joinOf(teamView) {
  return state.socket.join?.teams.find((entry) => entry.team_id === teamView.id) ?? null;
}

function renderJoin(teamView, previousPhase) {
  const join = joinOf(teamView);
  const panel = $("#join-panel");
  if (previousPhase !== teamView.phase && (previousPhase === undefined || teamView.phase === "lobby" || previousPhase === "lobby")) {
    panel.open = teamView.phase === "lobby";
  }
  if (!join) return;
  const qr = $("#qr");
  const src = `/qr/${encodeURIComponent(join.join_code)}.svg`;
  if (qr.getAttribute("src") !== src) qr.src = src;
  qr.alt = t("fac.join.qr_alt", { url: join.join_url });
  setText($("#join-code"), join.join_code);
  setText($("#join-code-summary"), join.join_code);
  setText($("#join-url"), join.join_url);
  const reachable = state.socket.join.phones_can_reach;
  const base = $("#join-base");
  base.className = reachable ? "hint" : "warning";
  setText(base, t(reachable ? "fac.join.base" : "fac.join.local_only", { url: state.socket.join.base_url }));
  $("#screen-link").href = `/screen/${encodeURIComponent(join.join_code)}`;
}

function renderPlayers(teamView) {
  const phase = teamView.phase;
  const canOrder = new Set(teamView.allowed).has("reorder");
  const over = state.view.session.ended;
  $("#lock").hidden = over;
  $("#shuffle").hidden = over;
  const lock = $("#lock");
  lock.setAttribute("aria-pressed", String(teamView.locked));
  setText(lock, teamView.locked ? t("fac.players.unlock") : t("fac.players.lock"));
  $("#shuffle").disabled = !canOrder || teamView.players.length < 2;
  setText($("#player-count"), `(${teamView.players.length})`);
  setText($("#order-hint"), over ? "" : canOrder ? t("fac.players.order_hint") : t("fac.players.order_fixed"));
  $("#players-empty").hidden = teamView.players.length > 0;
  const walking = new Set(teamView.walkers.map((walker) => walker.player));
  const items = teamView.players.map((player, index) => {
    const item = el("li", { className: "player", attrs: { "data-player": player.id } });
    if (canOrder) item.draggable = true;
    const number = el("span", { className: "order", text: String(index + 1), attrs: { "aria-hidden": "true" } });
    const who = el("span", { className: "who" });
    who.append(el("span", { className: "name", text: player.name }));
    const status = [];
    status.push(el("span", { className: player.connected ? "tag tag-here" : "tag tag-away", text: player.connected ? t("fac.players.here") : t("fac.players.away") }));
    if (walking.has(player.id)) status.push(el("span", { className: "tag tag-walking", text: t("fac.players.walking") }));
    if (player.crossed) status.push(el("span", { className: "tag tag-crossed", text: t("fac.players.crossed") }));
    who.append(...status);
    const actions = el("span", { className: "actions" });
    actions.hidden = over;
    const button = (action, text, label, disabled = false) => {
      const node = el("button", {
        className: action === "ban" ? "icon-button danger-text" : "icon-button",
        text,
        attrs: { type: "button", "data-action": action, "data-key": `${action}-${player.id}`, "aria-label": label },
      });
      node.disabled = disabled;
      return node;
    };
    if (canOrder) {
      actions.append(
        button("up", "↑", t("fac.players.move_up", { name: player.name }), index === 0),
        button("down", "↓", t("fac.players.move_down", { name: player.name }), index === teamView.players.length - 1),
      );
    }
    actions.append(
      button("rename", t("fac.players.rename"), t("fac.players.rename_named", { name: player.name })),
      button("kick", t("fac.players.kick"), t("fac.players.kick_named", { name: player.name })),
      button("ban", t("fac.players.ban"), t("fac.players.ban_named", { name: player.name })),
    );
    item.append(number, who, actions);
    return item;
  });
  keepingFocus($("#players"), () => $("#players").replaceChildren(...items));
}

function renderBoard(teamView) {
  const names = new Map(teamView.players.map((player) => [player.id, player.name]));
  const { learning: beeped, execution: errors } = teamView.beeped_in;
  const label = [
    t("fac.board.alt", { team: teamView.name, length: teamView.path.length }),
    t("fac.board.beeped_squares", { count: beeped.length }),
    t("fac.board.error_squares", { count: errors.length }),
  ].join(" ");
  drawMaze($("#board"), teamView.board, {
    path: teamView.path,
    revealed: teamView.revealed,
    walkers: teamView.walkers,
    names,
    beeped,
    errors,
    label,
  });
  renderWalkers(teamView);
}

function renderWalkers(teamView) {
  const text = teamView.walkers.length
    ? teamView.walkers
        .map((walker) => {
          const name = nameOf(teamView, walker.player);
          const parts = [walker.retracing ? t("fac.board.retracing", { name }) : t("fac.board.walking", { name })];
          if (walker.deadline !== null) {
            const at = teamView.paused_since ?? now();
            parts.push(t("fac.board.turn_ends", { time: countdown(walker.deadline - at) }));
          }
          if (walker.pending_beep) parts.push(t("fac.board.pending_beep"));
          return parts.join(" · ");
        })
        .join(" — ")
    : teamView.phase === "learning" || teamView.phase === "execution"
      ? t("fac.board.nobody")
      : "";
  setText($("#walkers"), text);
}

function renderTimers() {
  const at = state.socket ? now() : 0;
  const teamView = team();
  if (teamView) {
    for (const phase of ["learning", "execution"]) {
      const raw = phaseSeconds(teamView, phase, at);
      const added = teamView.penalty_s[phase] ?? 0;
      setText($(`#${phase}-raw`), duration(raw));
      setText($(`#${phase}-adjusted`), duration(adjustedSeconds(teamView, phase, at)));
      setText($(`#${phase}-added`), added ? t("fac.timer.added", { time: duration(added) }) : "");
      const card = $(`#timer-${phase}`);
      const clockView = teamView[phase];
      const running = clockView.started_at !== null && clockView.ended_at === null;
      card.classList.toggle("is-running", running && teamView.paused_since === null);
      card.classList.toggle("is-paused", running && teamView.paused_since !== null);
      card.classList.toggle("is-over", clockView.ended_at !== null);
      let note = "";
      if (phase === "learning" && waitingForFirstStep(teamView)) note = t("fac.timer.first_step");
      else if (running && teamView.paused_since !== null) note = t("fac.timer.paused_note");
      else if (clockView.ended_at !== null) note = t("fac.timer.ended_at", { time: timeOfDay(clockView.ended_at) });
      else if (running) note = t("fac.timer.started_at", { time: timeOfDay(clockView.started_at) });
      else note = t("fac.timer.not_started");
      if (phase === "execution" && teamView.execution_errors) note += ` · ${t("fac.timer.errors", { count: teamView.execution_errors })}`;
      setText($(`#${phase}-note`), note);
    }
    renderCountdown(teamView, at);
    renderHuddleLeft(teamView, at);
    renderWalkers(teamView);
  }
  for (const row of document.querySelectorAll("#overview-rows tr[data-team]")) {
    const other = teams().find((candidate) => candidate.id === row.dataset.team);
    if (!other) continue;
    for (const cell of row.querySelectorAll("[data-timer]")) {
      const phase = cell.dataset.timer;
      const text = other[phase].started_at === null && !(phase === "learning" && other.phase === "learning")
        ? DASH
        : `${duration(phaseSeconds(other, phase, at))} / ${duration(adjustedSeconds(other, phase, at))}`;
      setText(cell.querySelector(".cell-value"), text);
    }
  }
  renderChartAxis(at);
}

// The huddle budget as it stands at `at`: the view counts a huddle only once it has ended, so
// the one under way is taken off here, second by second.
function renderHuddleLeft(teamView, at) {
  const inHuddle = teamView.huddle_ends_at === null ? 0 : Math.max(0, Math.min(at, teamView.huddle_ends_at) - teamView.paused_since);
  const left = Math.max(0, teamView.huddle_left_s - inHuddle);
  const used = teamView.huddle_used_s + inHuddle;
  setText($("#huddle-left"), t("fac.controls.huddle_left", { time: countdown(left), used: duration(used) }));
}

function renderCountdown(teamView, at) {
  const box = $("#countdown");
  let label = null;
  let seconds = 0;
  let note = "";
  if (teamView.huddle_ends_at !== null) {
    label = t("fac.timer.huddle");
    seconds = teamView.huddle_ends_at - at;
    note = t("fac.timer.huddle_note");
  } else if (teamView.phase === "planning" && teamView.planning_ends_at !== null) {
    label = t("fac.timer.planning");
    seconds = teamView.planning_ends_at - (teamView.paused_since ?? at);
    note = t("fac.timer.planning_note");
  }
  box.hidden = label === null;
  if (label === null) return;
  setText($("#countdown-label"), label);
  setText($("#countdown-value"), countdown(seconds));
  setText($("#countdown-note"), note);
}

// --- the live chart and the beep map (from the metrics) --------------------------------------

function teamMetrics() {
  const teamView = team();
  return teamView ? state.metrics?.teams?.[teamView.id] ?? null : null;
}

function learningSeconds(at) {
  const teamView = team();
  if (!teamView || teamView.learning.started_at === null) return 0;
  return phaseSeconds(teamView, "learning", at);
}

function renderChart() {
  if (!window.Chart) return;
  if (!state.chart) state.chart = failuresChart($("#live-chart"), { size: "large", rates: true });
  if (!state.chartStrip) state.chartStrip = progressStrip($("#live-progress"), { size: "large" });
  const metrics = teamMetrics();
  const learning = metrics?.learning ?? null;
  const seconds = learningSeconds(state.socket ? now() : 0);
  setFailures(state.chart, learning, { seconds, timeline: metrics?.timeline ?? null, strip: state.chartStrip });
  state.chartDrawnAt = seconds;
  const figure = $("#live-figure");
  figure.classList.toggle("is-waiting", !learning?.started_at);
  const line = (cells) => {
    const tr = el("tr");
    const [first, ...rest] = cells;
    tr.append(el("th", { text: first, attrs: { scope: "row" } }), ...rest.map((text) => el("td", { className: "num", text })));
    return tr;
  };
  $("#live-chart-data tbody").replaceChildren(...failuresRows(learning, seconds).map(line));
  const executed = executionRows(metrics?.timeline).map(line);
  $("#live-execution-data").hidden = executed.length === 0;
  $("#live-execution-data tbody").replaceChildren(...executed);
}

// The progress line runs on with the clock, even with nothing new to show.
function renderChartAxis(at) {
  if (!state.chart) return;
  const seconds = learningSeconds(at);
  if (Math.floor(seconds / 5) !== Math.floor((state.chartDrawnAt ?? 0) / 5)) renderChart();
}

function renderBeepMap() {
  const teamView = team();
  if (!teamView) return;
  const metrics = teamMetrics();
  const phase = state.beepPhase ?? (["execution", "done"].includes(teamView.phase) ? "execution" : "learning");
  $(`#beeps-${phase}`).checked = true;
  const heat = heatFrom(metrics?.[phase]?.beep_map ?? []);
  const total = [...heat.values()].reduce((sum, count) => sum + count, 0);
  drawMaze($("#beep-map"), teamView.board, {
    path: teamView.path,
    heat,
    label: t("fac.beeps.alt", { team: teamView.name, count: total }),
  });
  const learning = metrics?.learning;
  let summary;
  if (phase === "learning") {
    summary = learning
      ? t("fac.beeps.learning_summary", { count: learning.failures.total, new: learning.failures.new, repeat: learning.failures.repeat })
      : t("fac.loading");
  } else summary = t("fac.beeps.execution_summary", { count: metrics?.execution?.errors ?? 0 });
  setText($("#beeps-summary"), summary);
}

// --- what happened: the recent events ------------------------------------------------------------

// Events by team and seq: the log fetched on arrival and the updates since merge in any order.
function remember(records) {
  for (const record of records) {
    if (record.type === "player_joined" || record.type === "player_renamed") state.names.set(record.player, record.name);
    const teamIds = record.team ? [record.team] : teams().map((teamView) => teamView.id);
    for (const teamId of teamIds) {
      const kept = state.log.get(teamId) ?? new Map();
      kept.set(record.seq, record);
      if (kept.size > LOG_LENGTH * 2) {
        const oldest = [...kept.keys()].sort((a, b) => a - b).slice(0, kept.size - LOG_LENGTH);
        for (const seq of oldest) kept.delete(seq);
      }
      state.log.set(teamId, kept);
    }
  }
}

function eventText(record, teamView) {
  if (record.type === "session_created") return t("fac.log.created");
  if (record.type === "server_away") return outageText({ since: record.since, until: record.ts, seconds: record.ts - record.since });
  const gone = record.player && !teamView.players.some((player) => player.id === record.player);
  if (gone && state.names.has(record.player)) {
    teamView = { ...teamView, players: [...teamView.players, { id: record.player, name: state.names.get(record.player) }] };
  }
  const said = describe(record, teamView);
  let text = said?.text ?? record.type.replaceAll("_", " ");
  if (record.type === "beeped") text += ` (${t(`fac.log.kind.${record.kind}`)})`;
  if (record.type === "stepped" && record.safe === false) text += ` (${t("fac.log.wrong_delayed")})`;
  if (record.type === "player_removed" && record.reason === "kicked") text = t("fac.log.kicked", { name: nameOf(teamView, record.player) });
  return text;
}

function renderLog() {
  const teamView = team();
  if (!teamView) return;
  const kept = state.log.get(teamView.id) ?? new Map();
  const records = [...kept.values()].sort((a, b) => b.seq - a.seq).slice(0, LOG_LENGTH);
  const items = records.map((record) => {
    const item = el("li", { className: `log-${record.type}` });
    const time = el("time", { text: timeOfDay(record.ts), attrs: { datetime: new Date(record.ts * 1000).toISOString() } });
    item.append(time, el("span", { text: eventText(record, teamView) }));
    return item;
  });
  $("#log").replaceChildren(...items);
  $("#log-empty").hidden = items.length > 0;
}

async function loadLog() {
  try {
    const response = await authorised(token, `/api/workshops/${encodeURIComponent(workshopId)}/log`);
    const text = await response.text();
    const records = text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((record) => record.type !== "session_created");
    remember(records);
    renderLog();
  } catch {
    // the socket still gives every new event; only the older ones are missing
  }
}

// --- connection --------------------------------------------------------------------------------

function setConnection(connection) {
  document.body.dataset.connection = connection;
  const offline = connection !== "online";
  const texts = { online: "fac.connection.online", reconnecting: "connection.reconnecting", closed: "connection.closed", connecting: "connection.connecting" };
  setText($("#connection-text"), t(texts[connection] ?? texts.connecting));
  $("#offline-banner").hidden = !offline || state.view === null;
  $("#controls").disabled = offline;
  $("#player-controls").disabled = offline;
  $("#end-session").disabled = offline;
}

// --- start -------------------------------------------------------------------------------------

function start() {
  keepLanguageLinks();
  if (!token) {
    deny("incomplete");
    return;
  }
  state.teamId = getChoice("team");
  state.socket = new ConsoleSocket(workshopId, token, {
    onView(view, { fresh }) {
      const first = state.view === null;
      state.view = view;
      if (first) {
        document.body.dataset.access = "granted";
        $("#gate").hidden = true;
        $("#app").hidden = false;
      }
      if (fresh) loadLog();
      render();
      renderLog();
      if (first) {
        renderChart();
        renderBeepMap();
      }
      setConnection(state.socket.online ? "online" : "reconnecting");
    },
    onEvents(records) {
      remember(records);
      if (records.some((record) => record.type !== "player_presence")) clearError();
    },
    onMetrics(metrics) {
      state.metrics = metrics;
      renderOverview();
      renderTimers();
      renderChart();
      renderBeepMap();
    },
    onError(error) {
      showError(errorText(error));
    },
    onState(connection) {
      setConnection(connection === "online" && !state.view ? "connecting" : connection);
    },
    onDenied: deny,
  });
  state.socket.start();
  setInterval(renderTimers, 250);
}

start();
