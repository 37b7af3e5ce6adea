// The board as an SVG drawing, for the facilitator: the hidden path over the grid, walkers and
// their trails, and beep marks; or, as a heat map, how often each square beeped. Colours are
// attributes, not CSS, so the drawing keeps them when saved as an image. Row 0, the entry
// edge, is at the bottom, as on the phones and the big screen.

import { t } from "./shared.js";

const NS = "http://www.w3.org/2000/svg";
const CELL = 48;
const GAP = 3;
const MARGIN = 26; // room for the edge captions
export const INK = "#1b1f24";
export const PATH_BLUE = "#0072B2";
const SQUARE = "#eef1f5";
const SQUARE_EDGE = "#b9c1cc";
const PATH_FILL = "#d3e6f6";
const PATH_FILL_AHEAD = "#f3f8fd";
const BEEP = "#c0392b";
export const ERROR_MARK = "#6b1d8f";
// ColorBrewer YlOrRd: a sequential scale that reads in grey and for colour-blind eyes; the
// count is also written in each square.
const HEAT = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"];

const key = (square) => `${square[0]},${square[1]}`;

function el(name, attributes = {}, text = null) {
  const node = document.createElementNS(NS, name);
  for (const [attribute, value] of Object.entries(attributes)) node.setAttribute(attribute, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

function geometry(board) {
  const width = board.cols * CELL;
  const height = board.rows * CELL;
  const x = (col) => col * CELL;
  const y = (row) => MARGIN + (board.rows - 1 - row) * CELL;
  const centre = ([row, col]) => [x(col) + CELL / 2, y(row) + CELL / 2];
  return { width, height: height + 2 * MARGIN, x, y, centre };
}

function initial(name) {
  return (Array.from((name || "?").trim())[0] || "?").toUpperCase();
}

export function heatColour(count, max) {
  if (!count) return SQUARE;
  const step = max <= 1 ? 3 : Math.round(1 + (count - 1) * ((HEAT.length - 2) / Math.max(1, max - 1)));
  return HEAT[Math.min(HEAT.length - 1, step)];
}

function textColour(fill) {
  return ["#e31a1c", "#bd0026", "#800026", "#fc4e2a"].includes(fill) ? "#ffffff" : INK;
}

// options: path, revealed (index, or null for the whole path shown as known), walkers,
// names (player id -> name), beeped (squares: a cross), errors (squares of execution errors:
// a "!" in a triangle, in the square's corner, so a square can show both), heat (Map key ->
// count), showPath, numbers, label (the drawing's accessible name).
export function drawMaze(svg, board, options = {}) {
  const {
    path = [],
    revealed = null,
    walkers = [],
    names = new Map(),
    beeped = [],
    errors = [],
    heat = null,
    showPath = true,
    numbers = true,
    label = "",
  } = options;
  const g = geometry(board);
  svg.setAttribute("viewBox", `-2 0 ${g.width + 4} ${g.height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("xmlns", NS);
  if (label) svg.setAttribute("aria-label", label);
  const parts = [];
  const squareNumbers = [];
  if (label) parts.push(el("title", {}, label));
  parts.push(el("rect", { x: -2, y: 0, width: g.width + 4, height: g.height, fill: "#ffffff" }));

  const onPath = new Map(path.map((square, index) => [key(square), index]));
  const maxHeat = heat ? Math.max(0, ...heat.values()) : 0;
  for (let row = 0; row < board.rows; row += 1) {
    for (let col = 0; col < board.cols; col += 1) {
      const index = onPath.get(key([row, col]));
      let fill = SQUARE;
      if (heat) fill = heatColour(heat.get(key([row, col])) ?? 0, maxHeat);
      else if (showPath && index !== undefined) fill = revealed === null || index <= revealed ? PATH_FILL : PATH_FILL_AHEAD;
      parts.push(
        el("rect", {
          x: g.x(col) + GAP / 2,
          y: g.y(row) + GAP / 2,
          width: CELL - GAP,
          height: CELL - GAP,
          rx: 5,
          fill,
          stroke: showPath && index !== undefined && !heat ? PATH_BLUE : SQUARE_EDGE,
          "stroke-width": showPath && index !== undefined && !heat ? 1.5 : 1,
        }),
      );
      const count = heat?.get(key([row, col]));
      if (count) {
        parts.push(
          el(
            "text",
            {
              x: g.x(col) + CELL / 2,
              y: g.y(row) + CELL / 2 + 7,
              "text-anchor": "middle",
              "font-size": 20,
              "font-weight": 700,
              "font-family": "system-ui, sans-serif",
              fill: textColour(fill),
            },
            String(count),
          ),
        );
      }
    }
  }

  if (showPath && path.length) {
    const known = revealed === null ? path.length - 1 : revealed;
    const points = (squares) => squares.map((square) => g.centre(square).join(",")).join(" ");
    if (known < path.length - 1) {
      parts.push(
        el("polyline", {
          points: points(path.slice(Math.max(0, known))),
          fill: "none",
          stroke: PATH_BLUE,
          "stroke-width": heat ? 2 : 3,
          "stroke-dasharray": "5 6",
          "stroke-linecap": "round",
          opacity: 0.7,
        }),
      );
    }
    if (known >= 1) {
      parts.push(
        el("polyline", {
          points: points(path.slice(0, known + 1)),
          fill: "none",
          stroke: PATH_BLUE,
          "stroke-width": heat ? 2.5 : 5,
          "stroke-linejoin": "round",
          "stroke-linecap": "round",
          opacity: heat ? 0.8 : 0.9,
        }),
      );
    }
    if (numbers && !heat) {
      // Drawn last (below), over the walkers' badges, outlined in white to read over one.
      path.forEach((square, index) => {
        const [cx, cy] = g.centre(square);
        squareNumbers.push(
          el(
            "text",
            {
              x: cx - CELL / 2 + 6,
              y: cy - CELL / 2 + 14,
              "font-size": 11,
              "font-weight": 700,
              "font-family": "system-ui, sans-serif",
              fill: "#0b3d66",
              stroke: "#ffffff",
              "stroke-width": 3,
              "stroke-linejoin": "round",
              "paint-order": "stroke",
              class: "square-number",
            },
            String(index + 1),
          ),
        );
      });
    }
  }

  for (const square of beeped) {
    const [cx, cy] = g.centre(square);
    const d = 9;
    parts.push(
      el("path", {
        d: `M${cx - d} ${cy - d}L${cx + d} ${cy + d}M${cx + d} ${cy - d}L${cx - d} ${cy + d}`,
        stroke: BEEP,
        "stroke-width": 4,
        "stroke-linecap": "round",
        "data-mark": "beep",
      }),
    );
  }

  for (const walker of walkers) {
    if (walker.trail.length > 1) {
      parts.push(
        el("polyline", {
          points: walker.trail.map((square) => g.centre(square).join(",")).join(" "),
          fill: "none",
          stroke: INK,
          "stroke-width": 3,
          "stroke-dasharray": walker.retracing ? "2 5" : "none",
          "stroke-linecap": "round",
          "stroke-linejoin": "round",
          opacity: 0.65,
        }),
      );
      for (const square of walker.trail.slice(0, -1)) {
        const [cx, cy] = g.centre(square);
        parts.push(el("circle", { cx, cy, r: 4, fill: INK, opacity: 0.65 }));
      }
    }
    if (walker.pending_beep) {
      const [cx, cy] = g.centre(walker.pending_beep.square);
      parts.push(el("circle", { cx, cy, r: 19, fill: "none", stroke: "#E69F00", "stroke-width": 3, "stroke-dasharray": "4 3" }));
    }
    const here = walker.trail[walker.trail.length - 1];
    if (here) {
      const [cx, cy] = g.centre(here);
      parts.push(el("circle", { cx, cy, r: 16, fill: walker.retracing ? "#6b4e00" : INK, stroke: "#ffffff", "stroke-width": 2.5 }));
      parts.push(
        el(
          "text",
          {
            x: cx,
            y: cy + 6,
            "text-anchor": "middle",
            "font-size": 16,
            "font-weight": 700,
            "font-family": "system-ui, sans-serif",
            fill: "#ffffff",
          },
          initial(names.get(walker.player)),
        ),
      );
    }
  }

  // Above the walkers, which would hide them.
  for (const square of errors) {
    const [cx, cy] = g.centre(square);
    const left = cx + 3;
    const top = cy + 1;
    const size = 20;
    parts.push(
      el("path", {
        d: `M${left + size / 2} ${top}L${left + size} ${top + size}L${left} ${top + size}Z`,
        fill: ERROR_MARK,
        stroke: "#ffffff",
        "stroke-width": 1.5,
        "stroke-linejoin": "round",
        "data-mark": "error",
      }),
      el(
        "text",
        {
          x: left + size / 2,
          y: top + size - 3,
          "text-anchor": "middle",
          "font-size": 13,
          "font-weight": 800,
          "font-family": "system-ui, sans-serif",
          fill: "#ffffff",
        },
        "!",
      ),
    );
  }

  const caption = (text, y) =>
    el("text", { x: g.width / 2, y, "text-anchor": "middle", "font-size": 13, "font-family": "system-ui, sans-serif", fill: "#4a5563" }, text);
  parts.push(caption(`▼ ${t("fac.board.far_edge")}`, 17));
  parts.push(caption(`▲ ${t("fac.board.entry_edge")}`, g.height - 8));
  svg.replaceChildren(...parts, ...squareNumbers);
}

// Beep counts by square from a beep map of the metrics ({square, new, repeat} or {square, errors}).
export function heatFrom(beepMap) {
  const heat = new Map();
  for (const entry of beepMap ?? []) {
    const count = (entry.new ?? 0) + (entry.repeat ?? 0) + (entry.errors ?? 0);
    heat.set(key(entry.square), (heat.get(key(entry.square)) ?? 0) + count);
  }
  return heat;
}

export function heatLegend(max) {
  const steps = [];
  for (let count = 1; count <= Math.max(1, max); count += Math.max(1, Math.ceil(max / 5))) steps.push(count);
  if (max > 1 && steps[steps.length - 1] !== max) steps.push(max);
  return steps.map((count) => ({ count, colour: heatColour(count, max) }));
}

// The drawing as a PNG, on white, twice its size for sharpness.
export async function svgToPng(svg, scale = 2) {
  const box = svg.viewBox.baseVal;
  const text = new XMLSerializer().serializeToString(svg);
  const image = new Image();
  image.decoding = "sync";
  const loaded = new Promise((resolve, reject) => {
    image.onload = resolve;
    image.onerror = reject;
  });
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  await loaded;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(box.width * scale);
  canvas.height = Math.round(box.height * scale);
  const context = canvas.getContext("2d");
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}
