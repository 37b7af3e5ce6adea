// The marks above the replay's scrubber: beeps, crossings, penalties, huddles, the server's
// outages and phase changes, each with its own shape (colour is never the only difference). Positions are
// shares of the scrubber's length, so the marks stay in place whatever the width.
//
// A long log has thousands of beeps: one mark each would make every paint of the page slow
// and merge into a solid bar anyway. So the strip is cut into columns a few pixels wide, and
// each lane of a column shows one mark, of the strongest kind among its events; the mark
// keeps how many events it stands for (data-count). The columns are recut when the strip's
// width changes. The scrubber itself is the control; each mark says what it stands for and
// when, as its tooltip and its accessible name.

import { t } from "../../js/shared.js";
import { duration } from "../../js/format.js";

const NS = "http://www.w3.org/2000/svg";
const LANES = { beep: 9, crossing: 23, other: 37 };
const COLUMN_PX = 4;
const FALLBACK_COLUMNS = 400; // while the strip has no width yet
// In a column, the mark shown is the first of these kinds found there.
const STRONGEST_FIRST = ["outage", "new", "error", "repeat", "beep", "crossing", "penalty", "huddle"];
export const PHASE_CHANGES = new Set([
  "planning_started",
  "learning_started",
  "learning_ended",
  "execution_started",
  "execution_ended",
  "session_ended",
]);

function svg(name, attributes) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function share(index, count) {
  return count > 1 ? (index / (count - 1)) * 100 : 0;
}

// The mark of one event, or null for events the timeline does not mark. With `plain`, a
// learning beep is only a beep: whether it was new or a repeat is the facilitator's to know.
export function markOf(record, { plain = false } = {}) {
  switch (record.type) {
    case "beeped":
      if (record.kind === "execution") return "error";
      if (plain) return "beep";
      return record.kind === "repeat" ? "repeat" : "new";
    case "retrace_erred":
      return "error";
    case "crossed":
      return "crossing";
    case "penalty_recorded":
      return "penalty";
    case "huddle_started":
      return "huddle";
    case "server_away":
      return "outage";
    default:
      return PHASE_CHANGES.has(record.type) ? "phase" : null;
  }
}

function lane(mark) {
  if (mark === "crossing") return "crossing";
  if (mark === "penalty" || mark === "huddle" || mark === "outage") return "other";
  return "beep";
}

function columnsOf(root) {
  const width = root.getBoundingClientRect().width;
  return width > 0 ? Math.max(1, Math.floor(width / COLUMN_PX)) : FALLBACK_COLUMNS;
}

// The marks to draw: per column and lane, the strongest mark, where its first event is, and
// how many marked events the column's lane holds.
export function binMarks(records, columns, options = {}) {
  const count = records.length;
  const cells = new Map();
  records.forEach((record, index) => {
    if (index > (options.until ?? Infinity)) return;
    const mark = markOf(record, options);
    if (mark === null || mark === "phase") return;
    const x = share(index, count);
    const column = Math.min(columns - 1, Math.floor((x / 100) * columns));
    const key = `${lane(mark)}:${column}`;
    const cell = cells.get(key);
    if (!cell) {
      cells.set(key, { mark, x, lane: lane(mark), count: 1, first: index, last: index });
      return;
    }
    cell.count += 1;
    cell.last = index;
    if (STRONGEST_FIRST.indexOf(mark) < STRONGEST_FIRST.indexOf(cell.mark)) {
      cell.mark = mark;
      cell.x = x;
    }
  });
  return [...cells.values()];
}

// The time of an event since the start of the log, as the replay writes it.
function when(records, index) {
  return duration(records[index].ts - records[0].ts);
}

// A drawing with a tooltip and an accessible name.
function named(node, text) {
  const title = svg("title", {});
  title.textContent = text;
  node.setAttribute("role", "img");
  node.setAttribute("aria-label", text);
  node.prepend(title);
  return node;
}

function markText(records, cell) {
  const what = t(`lib.mark.${cell.mark}`);
  if (cell.count === 1) return t("lib.mark.at", { what, time: when(records, cell.first) });
  return t("lib.mark.several", { what, more: cell.count - 1, from: when(records, cell.first), to: when(records, cell.last) });
}

function huddleSpans(records, until = Infinity) {
  const count = records.length;
  const spans = [];
  let from = null;
  records.forEach((record, index) => {
    if (index > until) return;
    if (record.type === "huddle_started") from = index;
    if (record.type === "huddle_ended" && from !== null) {
      const x = share(from, count);
      const span = svg("rect", { x: `${x.toFixed(3)}%`, y: LANES.other - 2, width: `${Math.max(0.2, share(index, count) - x).toFixed(3)}%`, height: 4, fill: "#5b2377", class: "huddle-span" });
      spans.push(named(span, t("lib.mark.huddle_span", { from: when(records, from), to: when(records, index) })));
      from = null;
    }
  });
  return spans;
}

function phaseLines(records, describe, until = Infinity) {
  const count = records.length;
  const lines = [];
  records.forEach((record, index) => {
    if (index > until || !PHASE_CHANGES.has(record.type)) return;
    const x = `${share(index, count).toFixed(3)}%`;
    const line = svg("line", { x1: x, x2: x, y1: 0, y2: "100%", stroke: "#0b2e59", "stroke-width": 2, "stroke-dasharray": "3 2", "data-type": record.type });
    const time = when(records, index);
    lines.push(named(line, describe ? t("lib.mark.phase_at", { time, what: describe(record) }) : t("lib.mark.at", { what: t("lib.mark.phase"), time })));
  });
  return lines;
}

const drawn = new WeakMap(); // root -> {records, options, columns}

function paint(root) {
  const { records, options } = drawn.get(root);
  const columns = columnsOf(root);
  drawn.get(root).columns = columns;
  const marks = binMarks(records, columns, options).map((cell) => {
    const mark = svg("g", { class: `mark mark-${cell.mark}`, "data-count": cell.count });
    mark.append(svg("use", { href: `#mark-${cell.mark}`, x: `${cell.x.toFixed(3)}%`, y: LANES[cell.lane] }));
    return named(mark, markText(records, cell));
  });
  const until = options.until ?? Infinity;
  root.querySelector("#marks-phases").replaceChildren(...phaseLines(records, options.describe, until));
  root.querySelector("#marks-events").replaceChildren(...huddleSpans(records, until), ...marks);
}

// Whether an event has a mark of its own on the timeline (a beep, a crossing, a phase, ...).
export function marked(record) {
  return markOf(record) !== null || record.type === "huddle_ended";
}

// records: the events on the scrubber, in order (one position each), the first at the start
// of the log. options.plain: draw learning beeps without telling new from repeat;
// options.describe(record): the words for a phase change. options.until: mark nothing after
// that position (the replay shown to a group, which must not see what is to come).
export function drawMarks(root, records, options = {}) {
  const first = !drawn.has(root);
  drawn.set(root, { records, options, columns: 0 });
  paint(root);
  if (first && "ResizeObserver" in window) {
    new ResizeObserver(() => {
      if (columnsOf(root) !== drawn.get(root).columns) paint(root);
    }).observe(root);
  }
}

export function placeCursor(root, index, count) {
  const x = `${share(index, count).toFixed(3)}%`;
  const cursor = root.querySelector("#marks-cursor");
  cursor.setAttribute("x1", x);
  cursor.setAttribute("x2", x);
}

// The position on the scrubber (0 .. count-1) under a pointer at clientX.
export function indexAt(root, clientX, count) {
  const box = root.getBoundingClientRect();
  const fraction = Math.min(1, Math.max(0, (clientX - box.left) / Math.max(1, box.width)));
  return Math.round(fraction * (count - 1));
}
