// The participant's page: join (or take back the seat this browser holds), the lobby, the
// board and the turn. Everything shown comes from the server's view; the page decides no rule.

import { t, clock, has } from "./i18n.js";
import { Connection } from "./connection.js";
import { Board } from "./board.js";
import * as sound from "./sound.js";
import {
  ServerClock,
  announce,
  celebrate,
  describe,
  flash,
  mazeOpen,
  narrate,
  nameOf,
  reducedMotion,
  renderStatus,
  setConnectionState,
} from "./status.js";

const $ = (selector) => document.querySelector(selector);
const body = document.body;
const code = body.dataset.joinCode;
const SEAT_KEY = `electric-maze:seat:${code}`;
// Set when this address was past its budget of wrong codes as the page loaded: the server did
// not look the code up, so the page names no team; a seat held here is still taken back (and
// the view then names the team), anyone else waits this many seconds.
const BLOCKED_FOR_S = Number(body.dataset.blockedFor ?? 0);
const loadedAt = Date.now();
// The turn's countdown stands out in its last seconds.
const URGENT_S = 10;
// News that takes over the screen (a penalty, a new phase) stays this long, unless dismissed.
const NEWS_MS = 3500;
// The events that take over the screen for a moment: the phases' changes and penalties.
const PHASE_NEWS = new Set([
  "planning_started", "learning_started", "learning_ended", "execution_started", "execution_ended", "session_ended",
]);
const JOIN_ERRORS = new Set([
  "bad_name", "name_taken", "name_not_allowed", "banned_name", "locked", "finished", "team_full", "already_joined", "session_over",
]);

const ui = {
  joinSection: $("#join-section"),
  form: $("#join-form"),
  nickname: $("#nickname"),
  joinButton: $("#join-button"),
  joinError: $("#join-error"),
  game: $("#game"),
  youAre: $("#you-are"),
  lobby: $("#lobby"),
  players: $("#players"),
  playerCount: $("#player-count"),
  playArea: $("#play-area"),
  turnBanner: $("#turn-banner"),
  turnHint: $("#turn-hint"),
  turnCountdown: $("#turn-countdown"),
  turnInfo: $("#turn-info"),
  turnWho: $("#turn-who"),
  turnWhoText: $("#turn-who-text"),
  walkerCountdown: $("#walker-countdown"),
  turnNext: $("#turn-next"),
  takeover: $("#takeover"),
  takeoverTitle: $("#takeover-title"),
  takeoverText: $("#takeover-text"),
  takeoverTimer: $("#takeover-timer"),
  takeoverNews: $("#takeover-news"),
  takeoverDismiss: $("#takeover-dismiss"),
  moveError: $("#move-error"),
  reconnect: $("#reconnect"),
  turnOrder: $("#turn-order"),
  soundHint: $("#sound-hint"),
  keysHint: $("#keys-hint"),
  joinTitle: $("#join-title"),
  joinLead: $("#join-section .lead"),
  joinNote: $("#join-note"),
  bannedNote: $("#banned-note"),
  blockedNote: $("#blocked-note"),
  blockedCountdown: $("#blocked-countdown"),
  teamName: $("#game-title .team-name"),
};
// Without a touch screen, people click (and may use the keyboard).
const touch = navigator.maxTouchPoints > 0 || window.matchMedia("(any-pointer: coarse)").matches;

const serverClock = new ServerClock();
let seat = loadSeat();
let pendingName = null;
let view = null;
let wasOnline = false;
let moveErrorTimer = null;
let refusal = null; // the error code the server gave before closing this socket, if any
let news = null; // what takes over the screen for a moment: { title, text }
let newsTimer = null;
let holding = null; // the pause or huddle the takeover shows, or null

const board = new Board($("#board"), {
  interactive: true,
  onTap: tap,
  sizeHost: ui.playArea,
  turnable: true,
  onTurn: turned,
});
const connection = new Connection(`/ws/play/${encodeURIComponent(code)}`, {
  onOpen: takeSeat,
  onMessage: received,
  onState: connectionChanged,
  onFinal: closedForGood,
});

// --- the seat this browser holds -------------------------------------------------------

function loadSeat() {
  try {
    const stored = JSON.parse(localStorage.getItem(SEAT_KEY) ?? "null");
    return stored && typeof stored.seat_token === "string" ? stored : null;
  } catch {
    return null;
  }
}

function saveSeat() {
  try {
    if (seat) localStorage.setItem(SEAT_KEY, JSON.stringify(seat));
    else localStorage.removeItem(SEAT_KEY);
  } catch {
    // private mode: the seat lasts as long as the page
  }
}

function forgetSeat() {
  seat = null;
  saveSeat();
}

function seated() {
  return seat !== null && !seat.banned;
}

// --- joining ---------------------------------------------------------------------------

function takeSeat() {
  refusal = null;
  if (seated()) {
    connection.send({ type: "resume", seat_token: seat.seat_token, last_seq: seat.last_seq ?? 0 });
  } else if (pendingName !== null) {
    sendJoin();
  }
}

function sendJoin() {
  const message = { type: "join", name: pendingName };
  if (seat?.seat_token) message.seat_token = seat.seat_token; // a banned seat stays refused
  connection.send(message);
}

function submitted(event) {
  event.preventDefault();
  const name = ui.nickname.value.trim();
  showJoinError("");
  if (!name) {
    showJoinError(t("error.name_missing"));
    ui.nickname.focus();
    return;
  }
  pendingName = name;
  setJoining(true);
  if (connection.isOpen()) sendJoin();
  else connection.restart();
}

function setJoining(joining) {
  ui.joinButton.disabled = joining;
  ui.joinButton.textContent = joining ? t("form.joining") : t("form.join");
}

function showJoinError(text, { invalid = true } = {}) {
  ui.joinError.textContent = text;
  if (text && invalid) ui.nickname.setAttribute("aria-invalid", "true");
  else ui.nickname.removeAttribute("aria-invalid");
}

function showForm(message = "") {
  view = null;
  body.dataset.seated = "false";
  body.dataset.yourTurn = "false";
  ui.game.hidden = true;
  ui.joinSection.hidden = false;
  setJoining(false);
  if (!ui.nickname.value && seat?.name) ui.nickname.value = seat.name;
  showJoinError(message, { invalid: false });
}

function showGame() {
  body.dataset.seated = "true";
  ui.joinSection.hidden = true;
  ui.game.hidden = false;
}

// --- messages --------------------------------------------------------------------------

function received(message) {
  serverClock.sync(message.now);
  switch (message.type) {
    case "welcome":
      seat = { seat_token: message.seat_token, player: message.player, last_seq: message.seq, name: message.view.you?.name ?? pendingName };
      saveSeat();
      pendingName = null;
      setJoining(false);
      showGame();
      render(message.view);
      announce(t("joined", { team: message.view.team.name }));
      break;
    case "resumed":
    case "snapshot":
      if (!seated()) return;
      seat.player = message.player ?? seat.player;
      seat.last_seq = message.seq;
      saveSeat();
      showGame();
      render(message.view);
      break;
    case "update":
      if (!seated() || view === null) return;
      seat.last_seq = message.seq;
      saveSeat();
      updated(message);
      break;
    case "error":
      refused(message);
      break;
    default:
      break; // heartbeat, pong
  }
}

function updated(message) {
  const before = view;
  const after = message.view;
  if (after.you === null) {
    removed(message.events, after);
    return;
  }
  render(after);
  effects(message.events, before, after);
}

function effects(events, before, after) {
  const me = seat.player;
  const team = after.team;
  let celebrated = false;
  for (const event of events) {
    const mine = event.player === me;
    switch (event.type) {
      case "stepped":
        if (mine) sound.tick();
        break;
      case "beeped":
        sound.buzz();
        flash();
        board.flash(event.square);
        if (mine) sound.vibrate([300, 100, 300]);
        if (!team.walkers.some((w) => w.player === event.player && w.retracing)) {
          board.retrace(event.square, event.retrace ?? [], { reducedMotion: reducedMotion() });
        }
        break;
      case "retrace_erred":
        sound.buzz();
        board.flash(event.square);
        if (mine) sound.vibrate([200, 80, 200]);
        break;
      case "retrace_stepped":
        if (mine) sound.tick();
        break;
      case "crossed":
        celebrated = true;
        sound.fanfare();
        celebrate(mine ? t("celebrate.you_crossed") : t("celebrate.crossed", { name: nameOf(team, event.player) }), {
          brief: team.phase === "execution",
        });
        break;
      case "learning_ended":
        if (event.path_found && !events.some((e) => e.type === "crossed")) {
          celebrated = true;
          celebrate(t("celebrate.path_found"));
        }
        break;
      case "execution_ended":
        if (event.complete) {
          celebrated = true;
          celebrate(t("celebrate.all_crossed"));
        }
        break;
      case "turn_began":
        if (mine) yourTurnCue();
        break;
      default:
        break;
    }
  }
  narrate(events, team, me);
  takeNews(events, team, me, { celebrated });
  if (before && !before.you?.your_turn && after.you?.your_turn && !events.some((e) => e.type === "turn_began")) {
    yourTurnCue();
  }
}

// A penalty or a new phase takes over the screen for a moment (a celebration says it already
// when the phase ended with the path found, or everyone across).
function takeNews(events, team, me, { celebrated }) {
  let found = null;
  for (const event of events) {
    if (event.type === "penalty_recorded") {
      found = { title: t("takeover.penalty"), text: describe(event, team, me)?.text ?? "" };
    } else if (PHASE_NEWS.has(event.type) && !celebrated) {
      found = { title: t(`phase.${team.phase}`), text: describe(event, team, me)?.text ?? "" };
    }
  }
  if (!found) return;
  news = found;
  clearTimeout(newsTimer);
  newsTimer = setTimeout(dismissNews, NEWS_MS);
  renderTakeover();
}

function dismissNews() {
  clearTimeout(newsTimer);
  news = null;
  renderTakeover();
}

// While the view says the maze is paused or in a huddle, that takes over the screen, for as
// long as it lasts; news (above) shows on it, or alone for a moment.
function renderTakeover() {
  const team = view?.team;
  const you = view?.you;
  let kind = null;
  if (team && you && team.phase !== "lobby" && !view.session.ended) {
    if (team.huddle_ends_at !== null) kind = "huddle";
    else if (team.paused_since !== null) kind = "paused";
  }
  // A pause or a huddle that begins drops the news before it: only what comes during it shows.
  if (kind !== null && holding === null && news !== null) {
    clearTimeout(newsTimer);
    news = null;
  }
  holding = kind;
  if (kind === null && news === null) {
    ui.takeover.hidden = true;
    delete ui.takeover.dataset.kind;
    return;
  }
  const shown = kind ?? "news";
  const title = kind ? t(`takeover.${kind}`) : news.title;
  const text = kind ? t(`takeover.${kind}_text`) : news.text;
  setText(ui.takeoverTitle, title);
  setText(ui.takeoverText, text);
  ui.takeoverNews.hidden = !(kind && news);
  setText(ui.takeoverNews, kind && news ? news.text : "");
  ui.takeoverDismiss.hidden = kind !== null;
  ui.takeover.dataset.kind = shown;
  ui.takeover.hidden = false;
  tickTakeover();
}

function tickTakeover() {
  if (ui.takeover.hidden || !view) return;
  const team = view.team;
  const timer = ui.takeover.dataset.kind === "huddle" && team.huddle_ends_at !== null
    ? clock(team.huddle_ends_at - serverClock.now(), { countdown: true })
    : "";
  ui.takeoverTimer.hidden = timer === "";
  setText(ui.takeoverTimer, timer);
}

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function yourTurnCue() {
  board.reveal();
  sound.chime();
  sound.vibrate([120, 60, 120]);
  ui.turnBanner.classList.remove("is-new");
  void ui.turnBanner.offsetWidth;
  ui.turnBanner.classList.add("is-new");
}

function refused({ code: reason, message }) {
  const text = errorText(reason, message);
  refusal = reason;
  switch (reason) {
    case "unknown_seat":
      forgetSeat();
      showForm(pendingName ? "" : text);
      if (pendingName !== null) sendJoin();
      break;
    case "seat_gone":
      forgetSeat();
      showForm(text);
      break;
    case "banned":
      pendingName = null;
      seat = { ...seat, banned: true };
      saveSeat();
      showBanned();
      break;
    case "replaced":
    case "too_many_attempts":
    case "too_many_sockets":
    case "no_such_team":
      break; // the close that follows says it
    default:
      if (JOIN_ERRORS.has(reason) && !ui.joinSection.hidden) {
        pendingName = null;
        setJoining(false);
        showJoinError(text);
        ui.nickname.focus();
      } else {
        showMoveError(text);
      }
  }
}

function errorText(reason, message) {
  const key = worded(`error.${reason}`);
  return has(key) ? t(key) : message || t("error.unknown");
}

// The key of a text as this page should word it: "click" without a touch screen, "at the left"
// while the board is turned; the plain key when the catalogue has no such wording.
function worded(key) {
  const suffixes = [];
  if (!touch && board.turned) suffixes.push("_click_turned");
  if (board.turned) suffixes.push("_turned");
  if (!touch) suffixes.push("_click");
  const found = suffixes.find((suffix) => has(key + suffix));
  return found ? key + found : key;
}

function showMoveError(text) {
  ui.moveError.textContent = text;
  announce(text, { urgent: true });
  clearTimeout(moveErrorTimer);
  moveErrorTimer = setTimeout(() => {
    ui.moveError.textContent = "";
  }, 6000);
}

function removed(events, after) {
  const mine = events.find((e) => e.type === "player_removed" && e.player === seat.player);
  const banned = after.banned || mine?.reason === "banned";
  let text;
  if (banned) {
    seat = { ...seat, banned: true };
    saveSeat();
    text = t("error.banned");
    showBanned();
  } else {
    forgetSeat();
    text = mine?.reason === "left" ? t("removed.left") : t("removed.kicked");
    showForm(text);
  }
  announce(text, { urgent: true });
}

// Banned: the page says so, and nothing else; there is no form to join with.
function showBanned() {
  showForm();
  ui.joinTitle.textContent = body.dataset.teamName || ui.joinTitle.textContent;
  for (const element of [ui.joinLead, ui.joinNote, ui.form]) if (element) element.hidden = true;
  ui.bannedNote.textContent = t("error.banned");
  ui.bannedNote.hidden = false;
}

// --- the connection --------------------------------------------------------------------

function connectionChanged(state) {
  if (state === "online") wasOnline = true;
  setConnectionState(state, { wasOnline });
  ui.reconnect.hidden = true;
  if (view) render(view);
}

function closedForGood(closeCode) {
  const text = $("#connection-text");
  switch (closeCode) {
    case 4001:
      text.textContent = t("connection.replaced");
      ui.reconnect.hidden = false;
      break;
    case 4003:
      // Removed: the last update said why; if it was lost, a resume will tell.
      connection.restart();
      break;
    case 4404:
      text.textContent = t("error.no_such_team");
      showForm(t("error.no_such_team"));
      break;
    case 1008: {
      if (BLOCKED_FOR_S > 0 && refusal === "too_many_attempts") {
        waitForTheLimit(BLOCKED_FOR_S - (Date.now() - loadedAt) / 1000);
        break;
      }
      const said = refusal === "too_many_sockets" ? t("error.too_many_sockets") : t("error.too_many_attempts");
      text.textContent = said;
      showJoinError(said, { invalid: false });
      setTimeout(() => connection.restart(), 61_000);
      break;
    }
    default:
      text.textContent = t("connection.closed");
      ui.reconnect.hidden = false;
  }
  if (view) render(view);
}

// Too many wrong codes from this address, and no seat to take back: the page says so and
// counts down, then loads again (and names the team, once the address may look codes up).
function waitForTheLimit(seconds) {
  const until = Date.now() + Math.max(1, seconds) * 1000;
  body.dataset.connection = "waiting";
  ui.game.hidden = true;
  ui.form.hidden = true;
  ui.joinSection.hidden = false;
  body.dataset.seated = "false";
  ui.joinTitle.textContent = t("blocked.title");
  ui.blockedNote.hidden = false;
  const tick = () => {
    const left = (until - Date.now()) / 1000;
    if (left <= 0) {
      location.reload();
      return;
    }
    ui.blockedCountdown.textContent = t("blocked.countdown", { time: clock(left, { countdown: true }) });
    setTimeout(tick, Math.min(1000, left * 1000));
  };
  tick();
}

// --- drawing ---------------------------------------------------------------------------

// The team as the view names it: the page itself named none when the server did not look
// the code up (BLOCKED_FOR_S).
function nameTeam(team, session) {
  if (body.dataset.teamName === team.name) return;
  body.dataset.teamName = team.name;
  ui.teamName.textContent = `· ${team.name}`;
  ui.joinTitle.textContent = session.ended ? team.name : t("join.title", { team: team.name });
  ui.joinLead.textContent = session.title;
  ui.joinLead.hidden = false;
  document.title = `${t("play.page_title", { team: team.name })} · ${t("app.name")}`;
}

function render(next) {
  view = next;
  const { team, you } = next;
  nameTeam(team, next.session);
  if (!you) return;
  body.dataset.phase = team.phase;
  body.dataset.yourTurn = String(Boolean(you.your_turn));
  ui.youAre.textContent = t("play.you_are", { name: you.name });
  const inLobby = team.phase === "lobby" || team.phase === "planning";
  ui.lobby.hidden = !inLobby;
  ui.playArea.hidden = team.phase === "lobby";
  board.update(team, you, { canTap: connection.isOpen() });
  renderPlayers(team, you);
  renderOrder(team, you);
  ui.keysHint.hidden = touch || !mazeOpen(team);
  renderTurn(team, you);
  renderTakeover();
  tickTimers();
}

function renderPlayers(team, you) {
  ui.playerCount.textContent = `(${team.players.length})`;
  const items = team.players.map((player, index) => {
    const item = document.createElement("li");
    item.dataset.player = player.id;
    item.classList.toggle("is-you", player.id === you.id);
    item.classList.toggle("is-away", !player.connected);
    const order = document.createElement("span");
    order.className = "order";
    order.textContent = String(index + 1);
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = player.id === you.id ? t("lobby.you", { name: player.name }) : player.name;
    const presence = document.createElement("span");
    presence.className = "presence";
    presence.textContent = player.connected ? t("lobby.here") : t("lobby.away");
    item.append(order, name, presence);
    return item;
  });
  ui.players.replaceChildren(...items);
}

// The turn order as the team set it, a circle that does not move as the turns go round: the
// walker marked, and who goes next (as the view names them).
function renderOrder(team, you) {
  const walking = new Set(team.walkers.map((w) => w.player));
  const items = team.players.map((player, index) => {
    const item = document.createElement("li");
    item.dataset.player = player.id;
    item.classList.toggle("is-walking", walking.has(player.id));
    item.classList.toggle("is-next", player.id === team.next_walker && !walking.has(player.id));
    item.classList.toggle("is-crossed", player.crossed);
    item.classList.toggle("is-away", !player.connected);
    item.classList.toggle("is-you", player.id === you.id);
    const order = document.createElement("span");
    order.className = "order";
    order.textContent = String(index + 1);
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = player.id === you.id ? t("lobby.you", { name: player.name }) : player.name;
    item.append(order, name);
    const badges = [];
    if (walking.has(player.id)) badges.push(["badge state", t("queue.walking")]);
    else if (player.crossed) badges.push(["badge state", t("queue.crossed")]);
    if (!player.connected) badges.push(["badge away-tag", t("queue.away")]);
    for (const [className, text] of badges) {
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
  ui.turnOrder.replaceChildren(...items);
  // A row too long for the screen scrolls sideways by itself to show who walks.
  const walker = ui.turnOrder.querySelector(".is-walking");
  if (walker && ui.turnOrder.scrollWidth > ui.turnOrder.clientWidth) {
    const list = ui.turnOrder.getBoundingClientRect();
    const item = walker.getBoundingClientRect();
    ui.turnOrder.scrollLeft += item.left - list.left - 8;
  }
  const next = team.next_walker && !walking.has(team.next_walker) ? team.next_walker : null;
  ui.turnNext.hidden = next === null;
  setText(ui.turnNext, next === null ? "" : t("order.next", { name: next === you.id ? t("order.you") : nameOf(team, next) }));
}

function renderTurn(team, you) {
  ui.turnBanner.hidden = !you.your_turn;
  const others = mazeOpen(team) && !you.your_turn ? team.walkers.map((w) => nameOf(team, w.player)) : [];
  ui.turnWho.hidden = others.length === 0;
  setText(ui.turnWhoText, others.length ? t("strip.turn_of", { name: others.join(", ") }) : "");
  const walker = team.walkers.find((w) => w.player === you.id);
  if (you.your_turn) {
    let hint = t("turn.step");
    if (you.retracing) hint = t(worded("turn.retrace"));
    else if (!walker || walker.trail.length === 0) hint = t(worded("turn.enter"));
    if (team.paused_since !== null) hint = t("turn.wait_paused");
    ui.turnHint.textContent = hint;
  }
  ui.turnInfo.textContent = turnInfo(team, you);
}

function turnInfo(team, you) {
  if (!mazeOpen(team)) return "";
  const me = team.players.find((p) => p.id === you.id);
  if (you.your_turn) return "";
  // Who walks is said above it (the strip's first line).
  const parts = [];
  if (me?.crossed) parts.push(t("turn.crossed"));
  else if (you.turns_until_yours === 1) parts.push(t("turn.next"));
  else if (typeof you.turns_until_yours === "number") parts.push(t("turn.waiting", { count: you.turns_until_yours }));
  return parts.join(" ");
}

function tickTimers() {
  if (!view) return;
  const now = serverClock.now();
  const { team, you } = view;
  renderStatus(team, now, view.session.rules);
  const walker = you && team.walkers.find((w) => w.player === you.id);
  let countdown = "";
  let urgent = false;
  if (walker && walker.deadline !== null) {
    const left = walker.deadline - (team.paused_since ?? now);
    countdown = t("turn.time_left", { time: clock(left, { countdown: true }) });
    urgent = team.paused_since === null && left <= URGENT_S;
  }
  if (ui.turnCountdown.textContent !== countdown) ui.turnCountdown.textContent = countdown;
  ui.turnCountdown.classList.toggle("is-urgent", urgent);
  // Someone else's turn: their time left, on the strip.
  const other = you && !you.your_turn && mazeOpen(team) ? team.walkers.find((w) => w.deadline !== null) : null;
  let theirs = "";
  if (other) theirs = t("turn.time_left", { time: clock(other.deadline - (team.paused_since ?? now), { countdown: true }) });
  setText(ui.walkerCountdown, theirs);
  tickTakeover();
}

// The board turned a quarter (or back): the page lays out anew, and the words that say where
// the entry is change.
function turned(isTurned) {
  body.dataset.board = isTurned ? "turned" : "upright";
  if (view?.you) renderTurn(view.team, view.you);
}

// --- tapping ---------------------------------------------------------------------------

// The board only passes on taps on the squares the last view listed in `you.moves`; the
// server still decides, as the view may be a moment old.
function tap(square) {
  if (!view || !view.you) return;
  if (!connection.isOpen()) {
    showMoveError(t("error.offline"));
    return;
  }
  const [row, col] = square;
  connection.send({ type: view.you.retracing ? "retrace" : "step", row, col });
}

// --- start -----------------------------------------------------------------------------

function start() {
  sound.unlockOnGestures((unlocked) => {
    ui.soundHint.hidden = unlocked;
  });
  if (!touch) ui.soundHint.lastChild.textContent = t("sound.click_to_enable");
  sound.bindMuteButton($("#mute"));
  ui.form.addEventListener("submit", submitted);
  ui.takeoverDismiss.addEventListener("click", dismissNews);
  // News is dismissed by a tap anywhere on it, or Escape; a pause or a huddle is not.
  ui.takeover.addEventListener("click", (event) => {
    if (ui.takeover.dataset.kind === "news" && !event.target.closest("button")) dismissNews();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && news !== null) dismissNews();
  });
  ui.reconnect.addEventListener("click", () => {
    ui.reconnect.hidden = true;
    connection.restart();
  });
  const params = new URLSearchParams(window.location.search);
  const name = params.get("name");
  if (name !== null && !BLOCKED_FOR_S) {
    params.delete("name");
    const query = params.toString();
    history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
  }
  if (seated()) {
    ui.joinSection.hidden = true;
  } else {
    if (seat?.banned) showBanned();
    // An ended workshop's page has no form to join with (nobody may join any more).
    if (name && name.trim() && !seat?.banned && !ui.form.hidden) {
      ui.nickname.value = name.trim();
      pendingName = name.trim();
      setJoining(true);
    }
  }
  // A phone turned mid-turn lays the page out anew: bring the squares to tap back in view.
  window.matchMedia("(orientation: portrait)").addEventListener("change", () => {
    if (view?.you?.your_turn) requestAnimationFrame(() => board.reveal());
  });
  if (BLOCKED_FOR_S > 0 && !seated()) {
    waitForTheLimit(BLOCKED_FOR_S);
  } else {
    connection.start();
  }
  setInterval(tickTimers, 250);
}

start();
