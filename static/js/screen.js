// The big screen for the projector: how to join, the board, the turn queue, the phase timer
// and the failures, with the same sounds as the phones (muted until someone clicks).

import { t } from "./i18n.js";
import { Connection } from "./connection.js";
import { Board } from "./board.js";
import * as sound from "./sound.js";
import {
  ServerClock,
  celebrate,
  flash,
  narrate,
  nameOf,
  reducedMotion,
  renderQueue,
  renderStatus,
  setConnectionState,
} from "./status.js";

const $ = (selector) => document.querySelector(selector);
const body = document.body;
const code = body.dataset.joinCode;
const serverClock = new ServerClock();
const board = new Board($("#board"));
const queue = $("#queue");
const soundHint = $("#sound-hint");
let view = null;
let wasOnline = false;

const connection = new Connection(`/ws/screen/${encodeURIComponent(code)}`, {
  onMessage: received,
  onState(state) {
    if (state === "online") wasOnline = true;
    setConnectionState(state, { wasOnline });
  },
  onFinal(closeCode) {
    $("#connection-text").textContent =
      closeCode === 4404 ? t("error.no_such_team") : t("connection.closed");
    if (closeCode === 1008) setTimeout(() => connection.restart(), 61_000);
  },
});

function received(message) {
  serverClock.sync(message.now);
  if (!["snapshot", "resumed", "update"].includes(message.type)) return;
  render(message.view);
  if (message.type === "update") effects(message.events, message.view.team);
}

function effects(events, team) {
  for (const event of events) {
    switch (event.type) {
      case "stepped":
      case "retrace_stepped":
        sound.tick();
        break;
      case "beeped":
        sound.buzz();
        flash();
        board.flash(event.square);
        if (!team.walkers.some((w) => w.player === event.player && w.retracing)) {
          board.retrace(event.square, event.retrace ?? [], { reducedMotion: reducedMotion() });
        }
        break;
      case "retrace_erred":
        sound.buzz();
        board.flash(event.square);
        break;
      case "crossed":
        sound.fanfare();
        celebrate(t("celebrate.crossed", { name: nameOf(team, event.player) }), { brief: team.phase === "execution" });
        break;
      case "learning_ended":
        if (event.path_found && !events.some((e) => e.type === "crossed")) celebrate(t("celebrate.path_found"));
        break;
      case "execution_ended":
        if (event.complete) celebrate(t("celebrate.all_crossed"));
        break;
      case "turn_began":
        sound.chime();
        break;
      default:
        break;
    }
  }
  narrate(events, team);
}

function render(next) {
  view = next;
  const team = next.team;
  body.dataset.phase = team.phase;
  board.update(team);
  renderQueue(queue, team);
  $("#player-count").textContent = `(${team.players.length})`;
  tick();
}

function tick() {
  if (view) renderStatus(view.team, serverClock.now(), view.session.rules);
}

function start() {
  sound.bindMuteButton($("#mute"));
  sound.unlockOnGestures((unlocked) => {
    soundHint.hidden = unlocked;
  });
  connection.start();
  setInterval(tick, 250);
}

start();
