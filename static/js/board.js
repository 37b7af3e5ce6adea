// The board, drawn from a view. Row 0 (the entry edge) is at the bottom, the far edge at the
// top. On a phone, only the squares in `you.moves` (decided by the server) can be tapped;
// every square stays focusable so that the arrow keys can walk the grid, Enter or Space taps.
// Where the upright board cannot fit its squares at a finger's size but fits them turned (a
// phone held sideways), a turnable board is drawn turned a quarter: the entry edge at the
// left, the far edge at the right, column 0 at the top.

import { t, squareName } from "./i18n.js";

const keyOf = (row, col) => `${row},${col}`;
const squareKey = (square) => keyOf(square[0], square[1]);
const STATES = ["is-trail", "is-walker", "is-beep", "is-safe", "is-tappable", "is-you", "is-way-back"];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// What deciding to turn assumes (app.css draws it): the smallest square a finger can tap,
// the gap between squares, the page above the board (the top bar), the edges' labels
// (above and below the board upright, beside it turned) with the page's margins, and the
// narrowest panel beside a turned board that still shows the status and the turn.
const TAP = 44;
const GAP = 5;
const CHROME_HIGH = 60;
const EDGES = 44;
const CHROME_WIDE = 92;
const PANEL = 208;

function span(count) {
  return count * TAP + (count - 1) * GAP;
}

function initials(name) {
  const letters = Array.from((name || "?").trim());
  return (letters[0] || "?").toUpperCase();
}

export class Board {
  // sizeHost: the element that gets --rows and --cols (the board's and those around it that
  // size themselves after the board).
  // turnable: may be drawn turned when that fits better; onTurn(turned) hears of each change.
  constructor(element, { interactive = false, onTap = () => {}, sizeHost = element, turnable = false, onTurn = () => {} } = {}) {
    this.element = element;
    this.sizeHost = sizeHost;
    this.interactive = interactive;
    this.onTap = onTap;
    this.turnable = turnable;
    this.onTurn = onTurn;
    this.turned = false;
    this.stepSince = null; // the time of the last beep that someone has stepped after
    this.rows = 0;
    this.cols = 0;
    this.squares = new Map();
    this.tabStop = null;
    if (turnable) window.addEventListener("resize", () => this.orient());
    if (interactive) {
      element.addEventListener("click", (event) => this.clicked(event));
      element.addEventListener("keydown", (event) => this.keyed(event));
      element.addEventListener("focusin", (event) => {
        const button = event.target.closest(".square");
        if (button) this.setTabStop(button);
      });
    }
  }

  build(rows, cols) {
    if (rows === this.rows && cols === this.cols) return;
    this.rows = rows;
    this.cols = cols;
    this.squares.clear();
    this.tabStop = null;
    this.sizeHost.style.setProperty("--cols", String(cols));
    this.sizeHost.style.setProperty("--rows", String(rows));
    this.element.setAttribute("aria-rowcount", String(rows));
    this.element.setAttribute("aria-colcount", String(cols));
    const lines = [];
    for (let row = rows - 1; row >= 0; row -= 1) {
      const line = document.createElement("div");
      line.className = "board-row";
      line.setAttribute("role", "row");
      for (let col = 0; col < cols; col += 1) {
        const cell = document.createElement("div");
        cell.className = "cell";
        cell.setAttribute("role", "gridcell");
        // Where the cell goes when the board is turned: row r at column r, column c at row c.
        cell.style.setProperty("--x", String(row + 1));
        cell.style.setProperty("--y", String(col + 1));
        const button = document.createElement("button");
        button.type = "button";
        button.className = "square";
        button.dataset.row = String(row);
        button.dataset.col = String(col);
        button.tabIndex = -1;
        if (row === 0) button.classList.add("is-entry-row");
        if (row === rows - 1) button.classList.add("is-far-row");
        if (this.interactive) button.setAttribute("aria-disabled", "true");
        else button.disabled = true;
        const icon = document.createElement("span");
        icon.className = "icon";
        icon.setAttribute("aria-hidden", "true");
        button.append(icon);
        cell.append(button);
        line.append(cell);
        this.squares.set(keyOf(row, col), button);
      }
      lines.push(line);
    }
    this.element.replaceChildren(...lines);
    this.orient();
  }

  // Turn the board only when the upright one would not fit in the window with squares a
  // finger can tap, and the turned one would.
  orient() {
    if (!this.rows) return;
    const height = window.innerHeight;
    const width = window.innerWidth;
    const fitsUpright = span(this.rows) + CHROME_HIGH + EDGES <= height;
    const fitsTurned = span(this.cols) + CHROME_HIGH <= height && span(this.rows) + CHROME_WIDE + PANEL <= width;
    const turned = this.turnable && !fitsUpright && fitsTurned;
    this.element.classList.toggle("is-turned", turned);
    this.sizeHost.classList.toggle("is-turned", turned);
    if (turned === this.turned) return;
    this.turned = turned;
    this.onTurn(turned);
  }

  // team: the team part of a view; you: the participant's seat (or null on the big screen);
  // canTap: false while the connection is down.
  update(team, you = null, { canTap = true } = {}) {
    this.build(team.board.rows, team.board.cols);
    const names = new Map(team.players.map((player) => [player.id, player.name]));
    const walkerAt = new Map();
    const trail = new Set();
    for (const walker of team.walkers) {
      walker.trail.forEach((square, index) => {
        if (index === walker.trail.length - 1) walkerAt.set(squareKey(square), walker);
        else trail.add(squareKey(square));
      });
    }
    const beeps = new Set((team.memory?.beeped ?? []).map(squareKey));
    if (this.showsBeep(team)) beeps.add(squareKey(team.last_beep.square));
    const safe = new Set((team.memory?.safe ?? []).map(squareKey));
    const moves = new Set(canTap && you ? (you.moves ?? []).map(squareKey) : []);
    // Walking back by hand: every square next to the walker may be tapped (a wrong one is a
    // retrace error), the next one of their own trail is the way back.
    const own = you?.retracing ? team.walkers.find((w) => w.player === you.id) : null;
    const wayBack = own && own.trail.length >= 2 ? squareKey(own.trail[own.trail.length - 2]) : null;

    for (const [key, button] of this.squares) {
      const row = Number(button.dataset.row);
      const col = Number(button.dataset.col);
      const walker = walkerAt.get(key);
      const states = {
        "is-walker": Boolean(walker),
        "is-you": Boolean(walker && you && walker.player === you.id),
        "is-trail": trail.has(key),
        "is-beep": beeps.has(key),
        "is-safe": safe.has(key),
        "is-tappable": moves.has(key),
        "is-way-back": key === wayBack && moves.has(key),
      };
      for (const name of STATES) button.classList.toggle(name, states[name]);
      const icon = button.firstElementChild;
      let glyph = "";
      if (walker) glyph = initials(names.get(walker.player));
      else if (states["is-beep"]) glyph = "✕";
      else if (states["is-safe"]) glyph = "✓";
      else if (states["is-trail"]) glyph = "•";
      if (icon.textContent !== glyph) icon.textContent = glyph;

      const parts = [squareName([row, col])];
      if (row === 0) parts.push(t("square.entry_row"));
      if (row === this.rows - 1) parts.push(t("square.far_row"));
      if (walker) {
        parts.push(states["is-you"] ? t("square.you") : t("square.walker", { name: names.get(walker.player) ?? "?" }));
      }
      if (states["is-trail"]) parts.push(t("square.trail"));
      if (states["is-beep"]) parts.push(t("square.beep"));
      if (states["is-safe"]) parts.push(t("square.safe"));
      if (states["is-way-back"]) parts.push(t("square.way_back"));
      else if (states["is-tappable"]) parts.push(you?.retracing ? t("square.tap_back") : t("square.tappable"));
      button.setAttribute("aria-label", parts.join(", "));
      if (this.interactive) button.setAttribute("aria-disabled", String(!states["is-tappable"]));
    }
    if (this.interactive) this.placeTabStop(you, walkerAt);
  }

  // The last beep stays marked until someone else steps on the maze (the one who beeped
  // walking back does not count), and only in the phase it happened in. Once someone has
  // stepped, it stays unmarked, between walkers too.
  showsBeep(team) {
    const beep = team.last_beep;
    if (!beep) return false;
    const phases = { learning: ["learning"], execution: ["execution"], retrace: ["learning", "execution"] };
    if (!(phases[beep.kind] ?? []).includes(team.phase)) return false;
    if (this.stepSince === beep.ts) return false;
    const stepped = team.walkers.some((w) => w.trail.length > 0 && !(w.player === beep.player && w.retracing));
    if (stepped) this.stepSince = beep.ts;
    return !stepped;
  }

  // Where Tab enters the board: kept where the person left it, else at their own square,
  // or at the first square they may tap.
  placeTabStop(you, walkerAt) {
    if (this.tabStop && this.element.contains(document.activeElement)) return;
    let target = null;
    if (you) {
      for (const [key, walker] of walkerAt) {
        if (walker.player === you.id) target = this.squares.get(key);
      }
    }
    if (!target) target = this.element.querySelector(".square.is-tappable");
    if (!target && !this.tabStop) target = this.squares.get(keyOf(0, Math.floor((this.cols - 1) / 2)));
    if (target) this.setTabStop(target);
  }

  // Bring the squares the player may tap, and their own, into view when one is off screen:
  // centred on their own square (its neighbours are the ones to tap), or on the first
  // square to tap when they have not entered yet.
  reveal() {
    const targets = [...this.element.querySelectorAll(".square.is-tappable, .square.is-you")];
    const offScreen = targets.some((button) => {
      const box = button.getBoundingClientRect();
      return box.top < 0 || box.bottom > window.innerHeight || box.left < 0 || box.right > window.innerWidth;
    });
    if (!offScreen) return;
    const anchor = this.element.querySelector(".square.is-you") ?? targets[0];
    anchor.scrollIntoView({ block: "center", inline: "nearest" });
  }

  setTabStop(button) {
    if (this.tabStop && this.tabStop !== button) this.tabStop.tabIndex = -1;
    button.tabIndex = 0;
    this.tabStop = button;
  }

  // A click, a tap, or Enter or Space on a focused square. Only the squares the last view
  // made tappable send anything; the others stay focusable for the arrow keys.
  clicked(event) {
    const button = event.target.closest(".square");
    if (!button || !this.element.contains(button)) return;
    if (!button.classList.contains("is-tappable")) return;
    this.onTap([Number(button.dataset.row), Number(button.dataset.col)]);
  }

  keyed(event) {
    const button = event.target.closest(".square");
    if (!button || event.altKey || event.ctrlKey || event.metaKey) return;
    let row = Number(button.dataset.row);
    let col = Number(button.dataset.col);
    // The keys move as the squares are drawn: upright, up goes to the far edge; turned,
    // right does.
    const moves = this.turned
      ? {
          ArrowRight: () => (row += 1),
          ArrowLeft: () => (row -= 1),
          ArrowUp: () => (col -= 1),
          ArrowDown: () => (col += 1),
          Home: () => (row = 0),
          End: () => (row = this.rows - 1),
          PageUp: () => (col = 0),
          PageDown: () => (col = this.cols - 1),
        }
      : {
          ArrowUp: () => (row += 1),
          ArrowDown: () => (row -= 1),
          ArrowLeft: () => (col -= 1),
          ArrowRight: () => (col += 1),
          Home: () => (col = 0),
          End: () => (col = this.cols - 1),
          PageUp: () => (row = this.rows - 1),
          PageDown: () => (row = 0),
        };
    if (!(event.key in moves)) return;
    moves[event.key]();
    event.preventDefault();
    const target = this.squares.get(keyOf(Math.min(this.rows - 1, Math.max(0, row)), Math.min(this.cols - 1, Math.max(0, col))));
    if (target && target !== button) {
      this.setTabStop(target);
      target.focus();
    }
  }

  // After a beep: a ghost walks back from the beeping square along the route, square by
  // square (all at once, briefly, when the person asked for less motion).
  async retrace(from, route, { reducedMotion = false } = {}) {
    const steps = [from, ...route].map((square) => this.squares.get(squareKey(square))).filter(Boolean);
    if (reducedMotion) {
      steps.forEach((button) => button.classList.add("is-retrace"));
      await sleep(1200);
      steps.forEach((button) => button.classList.remove("is-retrace"));
      return;
    }
    await sleep(500); // after the flash has faded, so that the way back is seen
    for (const button of steps) {
      button.classList.add("is-ghost");
      await sleep(400);
      button.classList.remove("is-ghost");
    }
  }

  flash(square) {
    const button = this.squares.get(squareKey(square));
    if (!button) return;
    button.classList.remove("is-flashing");
    void button.offsetWidth; // restart the animation
    button.classList.add("is-flashing");
    setTimeout(() => button.classList.remove("is-flashing"), 1500);
  }
}
