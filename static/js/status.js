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

// The phases in which people walk the maze.
export function mazeOpen(team) {
  return ["learning", "execution"].includes(team.phase);
}

// Once the execution phase has begun, its clock and its errors are the team's figures; until
// then, the learning phase's clock and failures.
export function showsExecution(team) {
  return team.execution.started_at !== null && ["execution", "done", "debrief"].includes(team.phase);
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
    case "debrief":
      return showsExecution(team)
        ? { label: t("timer.execution"), seconds: running(team.execution, team, now) }
        : { label: t("timer.learning"), seconds: running(team.learning, team, now) };
    default:
      return { label: t("timer.lobby"), seconds: 0 };
  }
}

// Why nobody can step now, or null when the maze is open (or not shown: the lobby). `kind`
// says which: "wait" (paused, a huddle, planning: the maze opens again), "found" (the path
// found, the team finished) or "over".
export function frozenReason(team, now) {
  if (team.huddle_ends_at !== null) {
    return { kind: "wait", text: t("frozen.huddle", { time: clock(team.huddle_ends_at - now, { countdown: true }) }) };
  }
  if (team.paused_since !== null) return { kind: "wait", text: t("frozen.paused") };
  switch (team.phase) {
    case "planning":
      return {
        kind: "wait",
        text: t("frozen.planning", { time: clock((team.planning_ends_at ?? now) - now, { countdown: true }) }),
      };
    case "review":
      return team.path_found
        ? { kind: "found", text: t("frozen.review_found") }
        : { kind: "over", text: t("frozen.review") };
    case "done":
      return { kind: "found", text: t("frozen.done") };
    case "debrief":
      return { kind: "over", text: t("frozen.debrief") };
    default:
      return null;
  }
}

function setText(element, text) {
  if (element && element.textContent !== text) element.textContent = text;
}

// rules: the session's public rules (the view's `session.rules`).
export function renderStatus(team, now, rules = {}) {
  setText($("#phase"), t(`phase.${team.phase}`));
  const timer = phaseTimer(team, now);
  setText($("#timer-label"), timer.label);
  setText($("#timer"), clock(timer.seconds, { countdown: timer.countdown }));
  const execution = showsExecution(team);
  setText($("#failures-label"), execution ? t("status.errors") : t("status.failures"));
  setText($("#failures"), String(execution ? team.execution_errors : team.failures));
  const frozen = $("#frozen-reason");
  if (frozen) {
    const reason = team.phase === "lobby" ? null : frozenReason(team, now);
    frozen.hidden = reason === null;
    if (frozen.dataset.kind !== (reason?.kind ?? "")) frozen.dataset.kind = reason?.kind ?? "";
    setText(frozen, reason?.text ?? "");
  }
  const note = $("#execution-rules");
  if (note) {
    note.hidden = team.phase !== "execution";
    setText(note, team.phase === "execution" ? executionRules(rules) : "");
  }
  const timing = $("#timing");
  renderTiming(timing, team, now);
  const away = $("#away-note");
  if (away) {
    const text = awayNote(team, now);
    away.hidden = text === "";
    setText(away, text);
  }
  const silence = $("#silence-text");
  if (silence) {
    const open = mazeOpen(team) && team.huddle_ends_at === null;
    setText(silence, t(open ? "lobby.silence_open" : "lobby.silence"));
  }
  const box = $("#phase-note");
  if (box) box.hidden = Boolean(note?.hidden ?? true) && Boolean(timing?.hidden ?? true);
}

// The turn waits for a walker whose phone is away: who, and when the turn passes on.
export function awayNote(team, now) {
  if (!mazeOpen(team)) return "";
  const walker = team.walkers.find((w) => !team.players.find((p) => p.id === w.player)?.connected);
  if (!walker) return "";
  const name = nameOf(team, walker.player);
  if (walker.deadline === null) return t("turn.away_untimed", { name });
  const left = walker.deadline - (team.paused_since ?? now);
  return t("turn.away", { name, time: clock(left, { countdown: true }) });
}

// What the execution phase asks, said for as long as it lasts.
function executionRules(rules) {
  const cost = rules.execution_error_s ?? 0;
  return cost > 0 ? t("execution.rules_cost", { time: clock(cost) }) : t("execution.rules");
}

// --- times with penalties, and the team's result ------------------------------------------

function counted(key, count) {
  return t(key, { count });
}

// A phase's time as "raw", or "raw + added (why) = adjusted" when penalties add to it: the
// view's penalty_s says how much; the errors and penalties of the phase say why.
function phaseTime(team, phase, now) {
  const raw = running(team[phase], team, now);
  const added = team.penalty_s?.[phase] ?? 0;
  const label = t(`phase.${phase}`);
  if (added <= 0) return t("timing.raw", { phase: label, time: clock(raw) });
  const why = [];
  if (phase === "execution" && team.execution_errors > 0) why.push(counted("timing.errors", team.execution_errors));
  const recorded = team.penalties.filter((p) => p.phase === phase).length;
  if (recorded > 0) why.push(counted("timing.penalties", recorded));
  return t("timing.adjusted", {
    phase: label,
    time: clock(raw),
    added: clock(added),
    why: why.join(", "),
    total: clock(raw + added),
  });
}

// The lines under the status bar: in the execution phase its time with penalties and the
// prediction; once it is over (or the workshop ended), the team's result.
function timingLines(team, now) {
  const ended = ["done", "debrief"].includes(team.phase);
  const lines = [];
  if (ended && team.learning.started_at !== null) {
    lines.push(`${phaseTime(team, "learning", now)} · ${counted("timing.failures", team.failures)}`);
  }
  if (showsExecution(team)) {
    const time = phaseTime(team, "execution", now);
    // While the phase runs, the status bar has its raw time: only what penalties add is news.
    if (ended) lines.push(team.execution_errors > 0 ? time : `${time} · ${counted("timing.errors", 0)}`);
    else if ((team.penalty_s?.execution ?? 0) > 0) lines.push(time);
    if (team.prediction_s !== null) {
      const actual = running(team.execution, team, now) + (team.penalty_s?.execution ?? 0);
      lines.push(
        team.execution.ended_at !== null
          ? t("timing.prediction_vs", { predicted: clock(team.prediction_s), actual: clock(actual) })
          : t("timing.prediction", { time: clock(team.prediction_s) }),
      );
    }
  }
  return lines;
}

function renderTiming(box, team, now) {
  if (!box) return;
  const lines = timingLines(team, now);
  box.hidden = lines.length === 0;
  const shown = [...box.children].map((line) => line.textContent);
  if (shown.length === lines.length && shown.every((text, index) => text === lines[index])) return;
  box.replaceChildren(
    ...lines.map((text) => {
      const line = document.createElement("p");
      line.textContent = text;
      return line;
    }),
  );
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
    const states = [];
    if (walking.has(id)) states.push(["badge", t("queue.walking")]);
    else if (player?.crossed) states.push(["badge", t("queue.crossed")]);
    if (player && !player.connected) states.push(["badge away-tag", t("queue.away")]);
    for (const [className, text] of states) {
      const badge = document.createElement("span");
      badge.className = className;
      badge.textContent = text;
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

// brief: over in a moment, for a crossing while the execution clock runs and the next walker
// needs to see the board.
export function celebrate(text, { brief = false } = {}) {
  const box = $("#celebration");
  if (!box) return;
  box.querySelector(".celebration-text").textContent = text;
  box.hidden = false;
  box.classList.remove("is-on");
  box.classList.toggle("is-brief", brief);
  void box.offsetWidth;
  box.classList.add("is-on");
  clearTimeout(celebrate.timer);
  celebrate.timer = setTimeout(() => {
    box.hidden = true;
    box.classList.remove("is-on");
  }, brief ? 1200 : 3200);
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
      // A phone need not tell its own player that they came back (after a reload, say).
      if (mine) return null;
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
      if (mine && event.reason === "idle") return { text: t("event.you_turn_lost.idle"), urgent: true };
      if (mine && event.reason === "facilitator") {
        return { text: t("event.you_turn_lost.facilitator"), urgent: true };
      }
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
    case "penalty_withdrawn":
      return { text: t("event.penalty_withdrawn") };
    case "session_ended":
      return { text: t(event.reason === "abandoned" ? "event.session_abandoned" : "event.session_ended"), urgent: true };
    case "server_away":
      return { text: t("event.server_away", { time: clock(event.ts - event.since) }), urgent: true };
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
