// The replay: a session's log played back on the facilitator's board, event by event, at the
// pace it happened, times the speed: at 1x a second of the log lasts a second, and the clocks
// run between events. A stretch without events longer than GAP_CAP_S plays in GAP_CAP_S (the
// clocks run faster through it, and the page says so). The server folds the log to any moment
// (/at/<seq>); this page asks for the moment on show, one request at a time, and keeps the
// answers it has had.
//
// "Show the hidden path" off is the replay as the room could see it: no path, no progress
// along it, no telling new failures from repeats, no delayed beep.
//
// The address holds the moment (?seq=N), when the workshop has several teams the team on show
// (?team=ID), and whether the path is hidden (?path=hidden), so a copied link opens the same
// moment elsewhere, as a group should see it.

import { t, describe } from "../../js/shared.js";
import { $, el, setText } from "../../js/dom.js";
import { drawMaze } from "../../js/maze.js";
import { COLOURS, drawMarker, failuresChart, setFailures, setMinuteAxis } from "../../js/charts.js";
import { phaseSeconds } from "../../js/timers.js";
import { dateTime, duration, percent, timeOfDay } from "../../js/format.js";
import { outageText, showOutages } from "../../js/outages.js";
import { request, workshopPath, comparePage, setPageState, keepLanguageLinks } from "./api.js";
import { drawMarks, placeCursor, indexAt, markOf, marked } from "./timeline.js";

export const SPEEDS = [1, 2, 4, 8, 16];
const GAP_CAP_S = 5; // the longest stretch between two events, in seconds of playback at 1x
const MAX_FRAME_S = 0.25; // a frame that comes later (a hidden tab) moves playback this much
const NEAR = 5; // events listed on each side of the cursor
const JUMP = 10;
const CACHE_SIZE = 400;
const ADDRESS_EVERY_MS = 400;

const workshopId = document.body.dataset.workshop;
const base = workshopPath(workshopId);

const state = {
  records: [], // every event of the log, in order
  bySeq: new Map(),
  teams: [], // [{id, name}] in the log's order
  names: new Map(), // player id -> the last name they had
  metrics: null,
  teamId: null,
  list: [], // the events on the scrubber: the team's and the session's own
  index: 0,
  playing: false,
  speed: 4,
  frame: null, // the animation frame of playback
  lastFrame: null, // its time (ms)
  played: 0, // seconds of playback since the event on show
  showPath: true,
  shown: null, // the /at answer on the board
  chart: null,
  chartCursor: null,
  chartSoFar: null, // what the chart shows with the path hidden (to redraw it only on a change)
  beeps: [], // the team's learning failures: {seq, minute}
};

// --- the moments the server folds ----------------------------------------------------------

const cache = new Map();
const loader = { inflight: null, wanted: null };

function remember(seq, answer) {
  cache.delete(seq);
  cache.set(seq, answer);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value);
}

function want(seq) {
  loader.wanted = seq;
  if (cache.has(seq)) {
    show(cache.get(seq));
    return;
  }
  if (loader.inflight === null) fetchMoment(seq);
}

async function fetchMoment(seq) {
  loader.inflight = seq;
  try {
    const answer = await request(`${base}/at/${seq}`);
    remember(seq, answer);
    show(answer); // even if the cursor moved on: the board follows a scrub as it goes
    $("#load-error").hidden = true;
  } catch (error) {
    if (error.status === 401) return;
    loader.wanted = null;
    showLoadError(t("lib.replay.moment_failed"));
  } finally {
    loader.inflight = null;
  }
  const next = loader.wanted;
  if (next !== null && next !== seq) want(next);
  else prefetch();
}

// While playing, the next moments are fetched ahead, so that the board keeps the pace.
function prefetch() {
  if (!state.playing || loader.inflight !== null) return;
  for (let ahead = 1; ahead <= 3; ahead += 1) {
    const record = state.list[state.index + ahead];
    if (record && !cache.has(record.seq)) {
      fetchAhead(record.seq);
      return;
    }
  }
}

async function fetchAhead(seq) {
  loader.inflight = seq;
  try {
    remember(seq, await request(`${base}/at/${seq}`));
  } catch {
    // the moment is asked for again when it is due
  } finally {
    loader.inflight = null;
  }
  const next = loader.wanted;
  if (next !== null && !cache.has(next)) want(next);
  else if (next !== null && state.shown?.seq !== next) show(cache.get(next));
  else prefetch();
}

// --- the words for events --------------------------------------------------------------------

function everyone() {
  return { players: [...state.names].map(([id, name]) => ({ id, name })) };
}

function eventText(record) {
  if (record.type === "session_created") return t("fac.log.created");
  if (record.type === "server_away") return outageText({ since: record.since, until: record.ts, seconds: record.ts - record.since });
  const said = describe(record, everyone());
  let text = said?.text ?? record.type.replaceAll("_", " ");
  // New or repeat, and a wrong step whose beep is delayed, are the facilitator's to know.
  if (record.type === "beeped" && (state.showPath || record.kind === "execution")) text += ` (${t(`fac.log.kind.${record.kind}`)})`;
  if (record.type === "stepped" && record.safe === false && state.showPath) text += ` (${t("fac.log.wrong_delayed")})`;
  if (record.type === "player_removed" && record.reason === "kicked") text = t("fac.log.kicked", { name: state.names.get(record.player) ?? t("someone") });
  return text;
}

function sinceStart(record) {
  return duration(record.ts - state.records[0].ts);
}

// --- the page --------------------------------------------------------------------------------

function current() {
  return state.list[state.index];
}

function teamName(teamId) {
  return state.teams.find((team) => team.id === teamId)?.name ?? teamId;
}

function listFor(teamId) {
  return state.records.filter((record) => record.team === undefined || record.team === null || record.team === teamId);
}

function indexOfSeq(seq) {
  let found = 0;
  state.list.forEach((record, index) => {
    if (record.seq <= seq) found = index;
  });
  return found;
}

// keepPlayed: playback's own move, or a redraw, keeps how far playback has gone past the event.
function seek(index, { announceIt = false, keepPlayed = false } = {}) {
  const was = state.index;
  const last = state.list.length - 1;
  state.index = Math.max(0, Math.min(last, index));
  if (!keepPlayed) state.played = 0;
  const record = current();
  const scrubber = $("#scrubber");
  scrubber.value = String(state.index);
  const words = eventText(record);
  scrubber.setAttribute("aria-valuetext", t("lib.replay.position_text", { n: state.index + 1, count: state.list.length, event: words, time: sinceStart(record) }));
  placeCursor($("#marks"), state.index, state.list.length);
  if (!state.showPath && state.list.slice(Math.min(was, state.index) + 1, Math.max(was, state.index) + 1).some(marked)) paintMarks();
  setText($("#position-count"), t("lib.replay.position", { n: state.index + 1, count: state.list.length }));
  paintTime();
  document.body.dataset.index = String(state.index);
  document.body.dataset.seq = String(record.seq);
  renderNear();
  keepAddress();
  if (announceIt) $("#announcer").textContent = words;
  want(record.seq);
}

function renderNear() {
  const list = $("#events");
  const hadFocus = list.contains(document.activeElement);
  const from = Math.max(0, state.index - NEAR);
  const to = Math.min(state.list.length, state.index + NEAR + 1);
  const items = state.list.slice(from, to).map((record, offset) => {
    const index = from + offset;
    const item = el("li", { className: `log-${record.type}` });
    const button = el("button", { className: "event-button", attrs: { type: "button", "data-index": String(index) } });
    const mark = markOf(record, { plain: !state.showPath });
    if (mark && mark !== "phase") button.append(el("span", { className: `event-mark mark-${mark}`, attrs: { "aria-hidden": "true" } }));
    button.append(
      el("time", { text: timeOfDay(record.ts), attrs: { datetime: new Date(record.ts * 1000).toISOString() } }),
      el("span", { className: "event-text", text: eventText(record) }),
    );
    if (index === state.index) {
      item.classList.add("is-current");
      button.setAttribute("aria-current", "step");
    }
    button.addEventListener("click", () => {
      pause();
      seek(index, { announceIt: true });
    });
    item.append(button);
    return item;
  });
  list.replaceChildren(...items);
  if (hadFocus) list.querySelector('[aria-current="step"]')?.focus();
}

function shownTeam() {
  return state.shown?.view.teams.find((team) => team.id === state.teamId) ?? null;
}

function show(answer) {
  state.shown = answer;
  const teamView = shownTeam();
  $("#board-box").dataset.seq = String(answer.seq);
  if (!teamView) return;
  setText($("#board-title"), teamView.name);
  const badge = $("#team-phase");
  badge.className = `phase-badge phase-${teamView.phase}`;
  setText(badge, t(`phase.${teamView.phase}`));
  setText($("#stat-failures"), String(teamView.failures));
  setText($("#stat-progress"), percent(teamView.revealed >= 0 ? teamView.progress : 0));
  renderBoard(teamView);
  renderWalkers(teamView);
  paintClocks();
}

// The log's clock on show: the event's time, or as far towards the next event as playback has
// gone (a pause keeps it there; any other move starts from an event).
function logTime() {
  const record = current();
  const next = state.list[state.index + 1];
  if (!next) return record.ts;
  const length = playbackSeconds(record, next, state.speed);
  const fraction = length > 0 ? Math.min(1, state.played / length) : 1;
  return record.ts + fraction * (next.ts - record.ts);
}

function paintTime() {
  const at = logTime();
  setText($("#position-time"), t("lib.replay.position_time", { time: timeOfDay(at), since: duration(at - state.records[0].ts) }));
  const next = state.list[state.index + 1];
  const gap = next ? next.ts - current().ts : 0;
  setText($("#gap-note"), state.playing && gap > GAP_CAP_S ? t("lib.replay.fast_forward", { time: duration(gap) }) : "");
}

// The phase clocks and the chart's cursor at the log's clock (or at the moment on the board,
// while the one asked for is on its way).
function paintClocks() {
  const teamView = shownTeam();
  if (!teamView) return;
  const at = state.shown.seq === current().seq ? logTime() : (state.bySeq.get(state.shown.seq)?.ts ?? 0);
  const learning = phaseSeconds(teamView, "learning", at);
  setText($("#stat-learning"), duration(learning));
  setText($("#stat-execution"), duration(phaseSeconds(teamView, "execution", at)));
  paintChartSoFar(teamView, learning);
  placeChartCursor(teamView, learning);
}

function renderBoard(teamView) {
  const names = new Map(teamView.players.map((player) => [player.id, player.name]));
  for (const [id, name] of state.names) if (!names.has(id)) names.set(id, name);
  drawMaze($("#board"), teamView.board, {
    path: teamView.path,
    revealed: teamView.revealed,
    // a beep still delayed is the facilitator's to know
    walkers: state.showPath ? teamView.walkers : teamView.walkers.map((walker) => ({ ...walker, pending_beep: null })),
    names,
    beeped: teamView.beeped_in.learning,
    errors: teamView.beeped_in.execution,
    showPath: state.showPath,
    label: state.showPath
      ? t("fac.board.alt", { team: teamView.name, length: teamView.path.length })
      : t("lib.replay.board_alt_hidden", { team: teamView.name }),
  });
}

function renderWalkers(teamView) {
  const text = teamView.walkers
    .map((walker) => {
      const name = state.names.get(walker.player) ?? t("someone");
      return walker.retracing ? t("fac.board.retracing", { name }) : t("fac.board.walking", { name });
    })
    .join(" — ");
  setText($("#walkers"), text || (["learning", "execution"].includes(teamView.phase) ? t("fac.board.nobody") : ""));
}

// --- the chart -------------------------------------------------------------------------------

const CROWDED_MINUTES = 30; // past this many bars, their numbers would overlap

function drawChart() {
  const learning = state.metrics?.teams?.[state.teamId]?.learning;
  const started = Boolean(learning?.started_at);
  $("#chart-empty").hidden = started;
  $(".chart-box").hidden = !started;
  if (state.chart) {
    state.chart.destroy();
    state.chart = null;
  }
  state.chartCursor = null;
  if (!started || !window.Chart) return;
  if (!window.Chart.registry.plugins.get(cursorPlugin.id)) window.Chart.register(cursorPlugin);
  const chart = failuresChart($("#chart"), { progress: state.showPath });
  if ((learning.per_minute?.length ?? 0) > CROWDED_MINUTES) chart.options.plugins.valueLabels.display = false;
  state.chart = chart;
  state.chartSoFar = null;
  if (state.showPath) {
    setFailures(chart, learning, { minMinutes: 1 });
    $("#chart").setAttribute("aria-label", t("fac.debrief.failures_alt", { team: teamName(state.teamId), new: learning.failures.new, repeat: learning.failures.repeat }));
  } else {
    // Filled in by paintChartSoFar for the moment on show: nothing of the future until then.
    setFailures(chart, { ...learning, per_minute: [], duration_s: 0, progress: [] }, { minMinutes: 1 });
    plainBars(chart, []);
  }
}

// One bar a minute, every failure alike: the room never knew which were repeats.
function plainBars(chart, buckets) {
  const [bars] = chart.data.datasets;
  bars.label = t("fac.chart.failures");
  bars.data = buckets.map((bucket) => ({ x: bucket.minute + 0.5, y: bucket.new + bucket.repeat }));
  chart.data.datasets = [bars];
  chart.update("none");
}

// When the team's clocks stood still (pauses, huddles, the server away), [start, end] (end
// null while one lasts), as the metrics give them.
function teamPauses() {
  return state.metrics?.teams?.[state.teamId]?.stopped ?? [];
}

// Seconds of active time from `start` to `at`, as game/metrics counts them: a pause stops the
// clock where it began.
function activeSeconds(pauses, start, at) {
  let paused = 0;
  let until = at;
  for (const [from, to] of pauses) {
    if (from >= until) break;
    if (to === null || to > until) {
      until = from;
      break;
    }
    if (to > start) paused += to - from;
  }
  return Math.max(0, until - start - paused);
}

// The learning phase's running time at each event of the scrubber, for going to the moment
// under a click on the chart.
function learningClock() {
  const startedAt = state.metrics?.teams?.[state.teamId]?.learning?.started_at ?? null;
  const pauses = teamPauses();
  return state.list.map((record) => (startedAt === null || record.ts < startedAt ? 0 : activeSeconds(pauses, startedAt, record.ts)));
}

// The team's learning failures, each with the minute of the phase the metrics count it in.
function learningBeeps() {
  return state.metrics?.teams?.[state.teamId]?.learning?.failure_minutes ?? [];
}

// With the path hidden, the chart is the room's: the failures up to the moment on the board
// and the minutes gone so far, nothing of what is still to come.
function paintChartSoFar(teamView, learningSeconds) {
  const chart = state.chart;
  if (!chart || state.showPath || !state.shown) return;
  const counts = [];
  let total = 0;
  for (const beep of state.beeps) {
    if (beep.seq > state.shown.seq) break;
    counts[beep.minute] = (counts[beep.minute] ?? 0) + 1;
    total += 1;
  }
  const started = teamView.learning.started_at !== null;
  const minutes = Math.max(counts.length, Math.ceil(learningSeconds / 60), started ? 1 : 0);
  const key = `${[...counts].join()}|${minutes}`;
  if (key === state.chartSoFar) return;
  state.chartSoFar = key;
  const buckets = Array.from({ length: minutes }, (_, minute) => ({ minute, new: counts[minute] ?? 0, repeat: 0 }));
  setMinuteAxis(chart, Math.max(1, minutes));
  plainBars(chart, buckets);
  $("#chart").setAttribute("aria-label", t("lib.replay.failures_alt_plain", { team: teamName(state.teamId), count: total }));
}

function seekToChart(event) {
  const chart = state.chart;
  if (!chart) return;
  const minutes = chart.scales.x.getValueForPixel(event.offsetX);
  if (!Number.isFinite(minutes)) return;
  const clock = learningClock();
  const target = clock.findIndex((seconds, index) => seconds >= minutes * 60 && state.list[index].ts >= (state.metrics.teams[state.teamId].learning.started_at ?? 0));
  pause();
  seek(target < 0 ? state.list.length - 1 : target, { announceIt: true });
}

// The chart's cursor, at state.chartCursor (seconds into the learning phase). This page's own
// plugin draws it, so that moving it is a redraw of the chart: a whole update, as changing
// the chart's options needs, would make every seek slower.
const cursorPlugin = {
  id: "replayCursor",
  afterDatasetsDraw(chart) {
    if (chart !== state.chart || state.chartCursor === null) return;
    drawMarker(chart, state.chartCursor / 60, { label: duration(state.chartCursor), colour: COLOURS.ink });
  },
};

function placeChartCursor(teamView, learningSeconds) {
  const chart = state.chart;
  if (!chart) return;
  // whole seconds, as the learning clock beside the board shows them
  const whole = Math.floor(teamView.learning.started_at === null ? 0 : learningSeconds);
  if (state.chartCursor === whole) return;
  state.chartCursor = whole;
  chart.draw();
  $("#chart-figure").dataset.cursor = String(whole);
}

// --- playing ---------------------------------------------------------------------------------

function setPlaying(playing) {
  state.playing = playing;
  document.body.dataset.playing = String(playing);
  const button = $("#play");
  button.setAttribute("aria-pressed", String(playing));
  setText($("#play-text"), playing ? t("lib.replay.pause") : t("lib.replay.play"));
  button.title = `${playing ? t("lib.replay.pause") : t("lib.replay.play")} (${t("lib.keys.space")})`;
  cancelAnimationFrame(state.frame);
  state.lastFrame = null;
  if (playing) state.frame = requestAnimationFrame(playFrame);
  else {
    paintTime();
    keepAddress(true);
  }
}

// How long the stretch between two events plays, in seconds: its length in the log, at most
// GAP_CAP_S, divided by the speed.
export function playbackSeconds(from, to, speed) {
  return Math.min(GAP_CAP_S, Math.max(0, to.ts - from.ts)) / speed;
}

// Each frame moves playback on by the time since the last one, past as many events as are
// due (at high speed, several in a frame: the board shows the last).
function playFrame(now) {
  if (!state.playing) return;
  if (state.lastFrame !== null) state.played += Math.min(MAX_FRAME_S, (now - state.lastFrame) / 1000);
  state.lastFrame = now;
  let index = state.index;
  for (let next = state.list[index + 1]; next; next = state.list[index + 1]) {
    const length = playbackSeconds(state.list[index], next, state.speed);
    if (state.played < length) break;
    state.played -= length;
    index += 1;
  }
  if (index !== state.index) {
    seek(index, { keepPlayed: true });
    prefetch();
  }
  if (index >= state.list.length - 1) {
    setPlaying(false);
    return;
  }
  paintTime();
  paintClocks();
  state.frame = requestAnimationFrame(playFrame);
}

function play() {
  if (state.index >= state.list.length - 1) seek(0);
  setPlaying(true);
  prefetch();
}

function pause() {
  if (state.playing) setPlaying(false);
}

function togglePlay() {
  if (state.playing) pause();
  else play();
}

function step(delta) {
  pause();
  seek(state.index + delta, { announceIt: true });
}

function setSpeed(speed) {
  state.played *= state.speed / speed; // as far between the two events as before
  state.speed = speed;
  const radio = $(`#speed-${speed}`);
  if (radio) radio.checked = true;
}

// The timeline's marks. With the path hidden (the replay shown to a group) they appear as the
// replay reaches them, as the chart's bars do: nothing gives away what is to come.
function paintMarks() {
  const until = state.showPath ? null : state.index;
  drawMarks($("#marks"), state.list, { plain: !state.showPath, describe: eventText, until });
}

// Off, the page shows what the room could see: everything marked .path-only goes, and the
// marks, the events and the chart stop telling new failures from repeats.
function setShowPath(on, { quietly = false } = {}) {
  state.showPath = on;
  $("#show-path").checked = on;
  document.body.dataset.path = on ? "shown" : "hidden";
  for (const node of document.querySelectorAll(".path-only")) node.hidden = !on;
  for (const node of document.querySelectorAll(".room-only")) node.hidden = on;
  if (state.list.length) {
    paintMarks();
    drawChart();
    seek(state.index, { keepPlayed: true });
  }
  if (state.shown) show(state.shown);
  if (!quietly) $("#announcer").textContent = on ? t("lib.replay.path_on") : t("lib.replay.path_off");
}

// The first crossing of the learning phase: the moment the path was found.
function pathFoundIndex() {
  for (const [index, record] of state.list.entries()) {
    if (record.team !== state.teamId) continue;
    if (record.type === "learning_ended" || record.type === "execution_started") return null;
    if (record.type === "crossed") return index;
  }
  return null;
}

function renderJump() {
  const found = pathFoundIndex();
  $("#jump-found").disabled = found === null;
  setText($("#found-note"), found === null ? t("lib.replay.never_found") : t("lib.replay.found_at", { time: sinceStart(state.list[found]) }));
}

// --- the address -----------------------------------------------------------------------------

let addressTimer = null;

function shareUrl() {
  const params = new URLSearchParams();
  if (state.teams.length > 1) params.set("team", state.teamId);
  params.set("seq", String(current().seq));
  if (!state.showPath) params.set("path", "hidden");
  return `${location.origin}${location.pathname}?${params}`;
}

function keepAddress(now = false) {
  clearTimeout(addressTimer);
  const write = () => {
    const url = new URL(shareUrl());
    history.replaceState(history.state, "", `${url.pathname}${url.search}`);
    keepLanguageLinks();
  };
  if (now) write();
  else addressTimer = setTimeout(write, ADDRESS_EVERY_MS);
}

async function copyLink() {
  const url = shareUrl();
  keepAddress(true);
  const status = $("#copy-status");
  try {
    await navigator.clipboard.writeText(url);
    status.replaceChildren(t("lib.replay.copied", { n: state.index + 1 }));
  } catch {
    const input = el("input", { attrs: { type: "text", readonly: "", id: "copy-fallback", value: url } });
    const label = el("label", { text: t("fac.copy_by_hand"), attrs: { for: "copy-fallback" } });
    status.replaceChildren(label, input);
    input.focus();
    input.select();
  }
}

// --- keys ------------------------------------------------------------------------------------

const TYPING = new Set(["text", "search", "password", "email", "number", "date", "url", "tel"]);

function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (document.querySelector("dialog[open]") || state.list.length === 0 || $("#app").hidden) return;
  const target = event.target;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && TYPING.has(target.type))) return;
  const isRadio = tag === "INPUT" && target.type === "radio";
  const native = ["BUTTON", "A", "SUMMARY"].includes(tag) || (tag === "INPUT" && target.type !== "range");
  switch (event.key) {
    case " ":
    case "Spacebar":
      if (native) return;
      togglePlay();
      break;
    case "ArrowLeft":
    case "ArrowRight": {
      if (isRadio) return;
      const direction = event.key === "ArrowLeft" ? -1 : 1;
      step(direction * (event.shiftKey ? JUMP : 1));
      break;
    }
    case "Home":
      step(-state.list.length);
      break;
    case "End":
      step(state.list.length);
      break;
    case "h":
    case "H":
      setShowPath(!state.showPath);
      break;
    default: {
      const speed = SPEEDS[Number(event.key) - 1];
      if (!/^[1-5]$/.test(event.key) || !speed) return;
      setSpeed(speed);
      $("#announcer").textContent = t("lib.replay.speed_now", { speed });
    }
  }
  event.preventDefault();
}

// --- loading ---------------------------------------------------------------------------------

function showLoadError(text) {
  setText($("#load-error-text"), text);
  $("#load-error").hidden = false;
}

function parseLog(text) {
  return text
    .split("\n")
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

// Show a team's events on the scrubber, at the moment `at` (a seq) or the one on show.
function chooseTeam(teamId, { at = undefined } = {}) {
  const seq = at !== undefined ? at : state.list.length ? current().seq : null;
  state.teamId = teamId;
  state.list = listFor(teamId);
  $("#team-select").value = teamId;
  const scrubber = $("#scrubber");
  scrubber.max = String(Math.max(0, state.list.length - 1));
  state.beeps = learningBeeps();
  paintMarks();
  drawChart();
  renderJump();
  state.chartCursor = null;
  seek(seq === null ? 0 : indexOfSeq(seq));
}

function fillHeader(created) {
  const title = created.title || t("lib.untitled");
  setText($("#workshop-title"), title);
  document.title = `${title} · ${t("lib.replay.page_title")} · ${t("app.name")}`;
  const last = state.records[state.records.length - 1];
  const facts = [
    t("fac.debrief.played", { date: dateTime(created.ts) }),
    t("fac.debrief.teams_count", { count: state.teams.length }),
    t("lib.events_count", { count: state.records.length }),
    t("lib.replay.length", { time: duration(last.ts - created.ts) }),
  ];
  setText($("#workshop-meta"), facts.join(" · "));
  showOutages($("#outages"), state.metrics.session.outages);
  const select = $("#team-select");
  select.replaceChildren(...state.teams.map((team) => el("option", { text: team.name, attrs: { value: team.id } })));
  $("#team-field").hidden = state.teams.length < 2;
  const compare = $("#compare-link");
  compare.hidden = state.teams.length < 2;
  compare.href = comparePage([workshopId]);
}

async function load() {
  setPageState("loading");
  $("#loading").hidden = false;
  $("#load-error").hidden = true;
  try {
    const [replay, file] = await Promise.all([request(`${base}/replay`), request(`${base}/file`, { json: false })]);
    state.records = parseLog(await file.text());
    state.bySeq = new Map(state.records.map((record) => [record.seq, record]));
    state.metrics = replay.metrics;
  } catch (error) {
    if (error.status === 401) return;
    $("#loading").hidden = true;
    setPageState("error");
    showLoadError(error.status === 404 ? t("lib.replay.not_found") : t("lib.load_error.text"));
    return;
  }
  const created = state.records[0];
  state.teams = created.teams.map((team) => ({ id: team.team_id, name: team.name }));
  for (const record of state.records) {
    if ((record.type === "player_joined" || record.type === "player_renamed") && record.player) state.names.set(record.player, record.name);
  }
  fillHeader(created);
  const params = new URLSearchParams(location.search);
  const asked = params.get("team");
  const teamId = state.teams.some((team) => team.id === asked) ? asked : state.teams[0].id;
  $("#loading").hidden = true;
  $("#app").hidden = false;
  setPageState("ready");
  if (params.get("path") === "hidden") setShowPath(false, { quietly: true });
  const seq = Number.parseInt(params.get("seq") ?? "", 10);
  chooseTeam(teamId, { at: Number.isFinite(seq) ? seq : null });
}

// --- start -----------------------------------------------------------------------------------

$("#play").addEventListener("click", togglePlay);
$("#step-back").addEventListener("click", () => step(-1));
$("#step-forward").addEventListener("click", () => step(1));
$("#to-start").addEventListener("click", () => step(-state.list.length));
$("#to-end").addEventListener("click", () => step(state.list.length));
$("#scrubber").addEventListener("input", (event) => seek(Number(event.target.value)));
$("#marks").addEventListener("pointerdown", (event) => {
  if (state.list.length) seek(indexAt($("#marks"), event.clientX, state.list.length));
});
for (const radio of document.querySelectorAll('input[name="speed"]')) {
  radio.addEventListener("change", () => setSpeed(Number(radio.value)));
}
$("#show-path").addEventListener("change", (event) => setShowPath(event.target.checked));
$("#team-select").addEventListener("change", (event) => {
  chooseTeam(event.target.value);
  keepAddress(true);
});
$("#jump-found").addEventListener("click", () => {
  const found = pathFoundIndex();
  if (found === null) return;
  pause();
  seek(found, { announceIt: true });
});
$("#copy-link").addEventListener("click", copyLink);
$("#chart").addEventListener("click", seekToChart);
$("#retry").addEventListener("click", () => (state.records.length ? seek(state.index) : load()));
document.addEventListener("keydown", onKey);
document.body.dataset.path = "shown";
setSpeed(state.speed);
keepLanguageLinks();
load();
