// The marks above the replay's scrubber: beeps, crossings, penalties, huddles and phase
// changes, each with its own shape (colour is never the only difference). Positions are
// shares of the scrubber's length, so the marks stay in place whatever the width.

const NS = "http://www.w3.org/2000/svg";
const LANES = { beep: 9, crossing: 23, other: 37 };
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

// The mark of one event, or null for events the timeline does not mark.
export function markOf(record) {
  switch (record.type) {
    case "beeped":
      if (record.kind === "repeat") return "repeat";
      if (record.kind === "execution") return "error";
      return "new";
    case "retrace_erred":
      return "error";
    case "crossed":
      return "crossing";
    case "penalty_recorded":
      return "penalty";
    case "huddle_started":
      return "huddle";
    default:
      return PHASE_CHANGES.has(record.type) ? "phase" : null;
  }
}

function lane(mark) {
  if (mark === "crossing") return LANES.crossing;
  if (mark === "penalty" || mark === "huddle") return LANES.other;
  return LANES.beep;
}

// records: the events on the scrubber, in order (one position each).
export function drawMarks(root, records) {
  const phases = root.querySelector("#marks-phases");
  const events = root.querySelector("#marks-events");
  const count = records.length;
  const phaseLines = [];
  const shapes = [];
  let huddleFrom = null;
  records.forEach((record, index) => {
    const x = `${share(index, count).toFixed(3)}%`;
    const mark = markOf(record);
    if (record.type === "huddle_started") huddleFrom = x;
    if (record.type === "huddle_ended" && huddleFrom !== null) {
      const from = Number.parseFloat(huddleFrom);
      shapes.push(svg("rect", { x: huddleFrom, y: LANES.other - 2, width: `${Math.max(0.2, share(index, count) - from).toFixed(3)}%`, height: 4, fill: "#5b2377", class: "huddle-span" }));
      huddleFrom = null;
    }
    if (mark === null) return;
    if (mark === "phase") {
      phaseLines.push(svg("line", { x1: x, x2: x, y1: 0, y2: "100%", stroke: "#0b2e59", "stroke-width": 2, "stroke-dasharray": "3 2", "data-type": record.type }));
      return;
    }
    shapes.push(svg("use", { href: `#mark-${mark}`, x, y: lane(mark), class: `mark mark-${mark}` }));
  });
  phases.replaceChildren(...phaseLines);
  events.replaceChildren(...shapes);
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
