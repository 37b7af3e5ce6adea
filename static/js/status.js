// What the phone and the big screen share: the server's clock, the status bar (phase, timer,
// failures), why the board is frozen, and saying what happened (aloud and on screen).

import { t, clock, squareName } from "./i18n.js";

const $ = (selector) => document.querySelector(selector);
const motion = window.matchMedia("(prefers-reduced-motion: reduce)");

export function reducedMotion() {
  return motion.matches;
}

// Countdowns use the server's clock: its `now` in each message, plus the time elapsed here
// since, never the device's own idea of the time.
export class ServerClock {
  constructor() {
    this.offset = null;
  }

  sync(now) {
    if (typeof now === "number") this.offset = now - performance.now() / 1000;
  }

  now() {
    return this.offset === null ? Date.now() / 1000 : this.offset + performance.now() / 1000;
  }
}

function running(phaseClock, team, now) {
  if (!phaseClock || phaseClock.started_at === null) return 0;
  const end = phaseClock.ended_at ?? team.paused_since ?? now;
  return end - phaseClock.started_at - phaseClock.paused_s;
}

export function phaseTimer(team, now) {
  if (team.huddle_ends_at !== null) {
    return { label: t("timer.huddle"), seconds: team.huddle_ends_at - now, countdown: true };
  }
  switch (team.phase) {
    case "planning":
      return {
        label: t("timer.planning"),
        seconds: (team.planning_ends_at ?? now) - (team.paused_since ?? now),
        countdown: true,
      };
    case "learning":
    case "review":
      return { label: t("timer.learning"), seconds: running(team.learning, team, now) };
    case "execution":
    case "done":
      return { label: t("timer.execution"), seconds: running(team.execution, team, now) };
    case "debrief":
      return team.execution.started_at !== null
        ? { label: t("timer.execution"), seconds: running(team.execution, team, now) }
        : { label: t("timer.learning"), seconds: running(team.learning, team, now) };
    default:
      return { label: t("timer.lobby"), seconds: 0 };
  }
}

// Why nobody can step now, or null when the maze is open (or not shown: the lobby).
export function frozenReason(team, now) {
  if (team.huddle_ends_at !== null) {
    return t("frozen.huddle", { time: clock(team.huddle_ends_at - now, { countdown: true }) });
  }
  if (team.paused_since !== null) return t("frozen.paused");
  switch (team.phase) {
    case "planning":
      return t("frozen.planning", {
        time: clock((team.planning_ends_at ?? now) - now, { countdown: true }),
      });
    case "review":
      return team.path_found ? t("frozen.review_found") : t("frozen.review");
    case "done":
      return t("frozen.done");
    case "debrief":
      return t("frozen.debrief");
    default:
      return null;
  }
}

function setText(element, text) {
  if (element && element.textContent !== text) element.textContent = text;
}

export function renderStatus(team, now) {
  setText($("#phase"), t(`phase.${team.phase}`));
  const timer = phaseTimer(team, now);
  setText($("#timer-label"), timer.label);
  setText($("#timer"), clock(timer.seconds, { countdown: timer.countdown }));
  const execution = ["execution", "done"].includes(team.phase);
  setText($("#failures-label"), execution ? t("status.errors") : t("status.failures"));
  setText($("#failures"), String(execution ? team.execution_errors : team.failures));
  const frozen = $("#frozen-reason");
  if (frozen) {
    const reason = team.phase === "lobby" ? null : frozenReason(team, now);
    frozen.hidden = reason === null;
    setText(frozen, reason ?? "");
  }
}

// --- the turn order -------------------------------------------------------------------

// Who walks, then who goes next, in the rotation the server keeps; in the execution phase,
// the walkers, the queue, then those who have crossed.
function queueOrder(team) {
  const ids = team.players.map((p) => p.id);
  const walking = team.walkers.map((w) => w.player);
  if (team.phase === "execution" || team.phase === "done") {
    const waiting = team.queue.filter((id) => !walking.includes(id));
    const rest = ids.filter((id) => !walking.includes(id) && !waiting.includes(id));
    return [...walking, ...waiting, ...rest];
  }
  const first = ids.indexOf(walking[0]);
  return first < 0 ? ids : [...ids.slice(first), ...ids.slice(0, first)];
}

export function renderQueue(list, team, you = null) {
  if (!list) return;
  const players = new Map(team.players.map((p) => [p.id, p]));
  const walking = new Set(team.walkers.map((w) => w.player));
  const items = queueOrder(team).map((id) => {
    const player = players.get(id);
    const item = document.createElement("li");
    item.dataset.player = id;
    item.classList.toggle("is-walking", walking.has(id));
    item.classList.toggle("is-crossed", Boolean(player?.crossed));
    item.classList.toggle("is-away", !player?.connected);
    item.classList.toggle("is-you", id === you);
    const name = document.createElement("span");
    name.className = "name";
    const shown = player?.name ?? t("someone");
    name.textContent = id === you ? t("lobby.you", { name: shown }) : shown;
    item.append(name);
    let state = "";
    if (walking.has(id)) state = t("queue.walking");
    else if (player?.crossed) state = t("queue.crossed");
    else if (!player?.connected) state = t("queue.away");
    if (state) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = state;
      item.append(badge);
    }
    return item;
  });
  if (items.length === 0) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = t("queue.empty");
    items.push(empty);
  }
  list.replaceChildren(...items);
}

// --- saying what happened --------------------------------------------------------------

export function announce(text, { urgent = false } = {}) {
  if (!text) return;
  const region = urgent ? $("#alert") : $("#announcer");
  if (region) {
    // The same words twice in a row must still be heard: change the text, then set it.
    if (region.textContent === text) region.textContent = `${text}\u00a0`;
    else region.textContent = text;
  }
  setText($("#last-event"), text);
}

export function celebrate(text) {
  const box = $("#celebration");
  if (!box) return;
  box.querySelector(".celebration-text").textContent = text;
  box.hidden = false;
  box.classList.remove("is-on");
  void box.offsetWidth;
  box.classList.add("is-on");
  clearTimeout(celebrate.timer);
  celebrate.timer = setTimeout(() => {
    box.hidden = true;
    box.classList.remove("is-on");
  }, 3200);
}

export function flash() {
  const box = $("#flash");
  if (!box) return;
  box.hidden = false;
  box.classList.remove("is-on");
  void box.offsetWidth;
  box.classList.add("is-on");
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => {
    box.hidden = true;
    box.classList.remove("is-on");
  }, 900);
}

export function nameOf(team, player) {
  return team.players.find((p) => p.id === player)?.name ?? t("someone");
}

// The words for one public event, and whether it is urgent (beeps, crossings, your turn).
// `you` is the participant's player id, or null on the big screen.
export function describe(event, team, you = null) {
  const name = event.player ? nameOf(team, event.player) : "";
  const mine = you !== null && event.player === you;
  switch (event.type) {
    case "player_joined":
      return { text: t("event.joined", { name: event.name }) };
    case "player_renamed":
      return { text: t("event.renamed", { name: event.name }) };
    case "player_removed":
      return { text: t(`event.removed.${event.reason}`, { name }) };
    case "player_presence":
      return { text: t(event.connected ? "event.back" : "event.away", { name }) };
    case "turn_order_set":
      return { text: t(event.shuffled ? "event.shuffled" : "event.reordered") };
    case "team_locked":
      return { text: t(event.locked ? "event.locked" : "event.unlocked") };
    case "planning_started":
      return { text: t("event.planning_started") };
    case "learning_started":
      return { text: t("event.learning_started"), urgent: true };
    case "learning_ended":
      return { text: t(event.path_found ? "event.path_found" : "event.learning_ended"), urgent: true };
    case "prediction_entered":
      return { text: t("event.prediction", { time: clock(event.seconds) }) };
    case "execution_started":
      return { text: t("event.execution_started"), urgent: true };
    case "execution_ended":
      return { text: t(event.complete ? "event.execution_complete" : "event.execution_ended"), urgent: true };
    case "turn_began":
      return mine
        ? { text: t("event.your_turn"), urgent: true }
        : { text: t("event.turn", { name }) };
    case "stepped":
      return { text: t(mine ? "event.you_stepped" : "event.stepped", { name, square: squareName(event.square, { inSentence: true }) }) };
    case "beeped":
      return {
        text: t(mine ? "event.you_beeped" : "event.beeped", { name, square: squareName(event.square, { inSentence: true }) }),
        urgent: true,
      };
    case "retrace_stepped":
      return { text: t("event.retrace_stepped", { name, square: squareName(event.square, { inSentence: true }) }) };
    case "retrace_erred":
      return { text: t("event.retrace_erred", { name, square: squareName(event.square, { inSentence: true }) }), urgent: true };
    case "retrace_done":
      return { text: t(event.timed_out ? "event.retrace_timed_out" : "event.retrace_done", { name }) };
    case "crossed":
      return { text: t(mine ? "event.you_crossed" : "event.crossed", { name }), urgent: true };
    case "turn_lost":
      return { text: t(`event.turn_lost.${event.reason}`, { name }) };
    case "paused":
      return { text: t("event.paused"), urgent: true };
    case "resumed":
      return { text: t("event.resumed"), urgent: true };
    case "huddle_started":
      return { text: t("event.huddle_started", { time: clock(event.seconds) }), urgent: true };
    case "huddle_ended":
      return { text: t("event.huddle_ended"), urgent: true };
    case "penalty_recorded":
      return { text: t("event.penalty", { kind: penaltyName(event.kind), seconds: event.seconds }) };
    case "session_ended":
      return { text: t("event.session_ended"), urgent: true };
    default:
      return null;
  }
}

function penaltyName(kind) {
  const key = `penalty.${kind}`;
  const text = t(key);
  return text === key ? kind.replaceAll("_", " ") : text;
}

// Say every event of an update at once: one polite line and one urgent line at most.
export function narrate(events, team, you = null) {
  const polite = [];
  const urgent = [];
  for (const event of events) {
    const said = describe(event, team, you);
    if (!said) continue;
    (said.urgent ? urgent : polite).push(said.text);
  }
  if (polite.length) announce(polite.slice(-3).join(" "));
  if (urgent.length) announce(urgent.slice(-3).join(" "), { urgent: true });
}

export function setConnectionState(state, { wasOnline }) {
  document.body.dataset.connection = state;
  const text = $("#connection-text");
  if (state === "reconnecting") setText(text, wasOnline ? t("connection.reconnecting") : t("connection.connecting"));
  else if (state === "online") setText(text, t("connection.online"));
}
