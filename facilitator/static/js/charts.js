// The charts, drawn with Chart.js (vendored, loaded by the page before this module).
// Colours are from the Okabe-Ito palette, which colour-blind eyes tell apart; repeat failures
// are also hatched, and values are written on the bars, so no chart relies on colour alone.

import { t, clock } from "./shared.js";

const Chart = window.Chart;

export const COLOURS = {
  new: "#0072B2",
  repeat: "#D55E00",
  progress: "#1b1f24",
  predicted: "#E69F00",
  actual: "#0072B2",
  adjusted: "#1b1f24",
  crossing: "#009E73",
  error: "#CC79A7",
  review: "rgba(86,180,233,0.16)",
  grid: "#d5dbe3",
  ink: "#1b1f24",
  muted: "#4a5563",
};

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

// Every chart on white, so that a saved image or a printed page has no see-through background.
const whiteBackground = {
  id: "whiteBackground",
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = "destination-over";
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

// The value of each bar (or stacked segment), written on it when there is room.
const valueLabels = {
  id: "valueLabels",
  afterDatasetsDraw(chart, args, options) {
    if (!options || options.display === false) return;
    const { ctx } = chart;
    const size = options.size ?? 13;
    ctx.save();
    ctx.font = `700 ${size}px ${FONT}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    chart.data.datasets.forEach((dataset, index) => {
      const meta = chart.getDatasetMeta(index);
      if (meta.type !== "bar" || meta.hidden) return;
      meta.data.forEach((bar, at) => {
        const raw = dataset.data[at];
        const key = dataset.parsing?.yAxisKey;
        const value = typeof raw === "object" && raw !== null ? (key ? raw[key] : raw.y ?? raw.x) : raw;
        if (value === null || value === undefined || value === 0) return;
        const text = options.format ? options.format(value) : String(value);
        const { x, y, base, width, height } = bar.getProps(["x", "y", "base", "width", "height"], true);
        const horizontal = chart.options.indexAxis === "y";
        const room = horizontal ? Math.abs(x - base) : Math.abs(base - y);
        const textWidth = ctx.measureText(text).width;
        const inside = options.inside && (horizontal ? room > textWidth + 10 : room > size + 6 && width > textWidth + 4);
        let tx = x;
        let ty = y;
        if (horizontal) tx = inside ? (x + base) / 2 : x + textWidth / 2 + 6;
        else ty = inside ? (y + base) / 2 : y - size / 2 - 3;
        ctx.lineWidth = 3;
        ctx.strokeStyle = inside ? "rgba(0,0,0,0.55)" : "#ffffff";
        ctx.fillStyle = inside ? "#ffffff" : COLOURS.ink;
        ctx.strokeText(text, tx, ty);
        ctx.fillText(text, tx, ty);
        void height;
      });
    });
    ctx.restore();
  },
};

// A dashed vertical line at `value` on the x axis, labelled at its top; nothing when the
// value lies off the chart.
export function drawMarker(chart, value, { label, colour = COLOURS.predicted, size = 13 }) {
  const { ctx, chartArea } = chart;
  const x = chart.scales.x.getPixelForValue(value);
  if (x < chartArea.left - 1 || x > chartArea.right + 1) return;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = 3;
  ctx.setLineDash([8, 5]);
  ctx.beginPath();
  ctx.moveTo(x, chartArea.top);
  ctx.lineTo(x, chartArea.bottom);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.font = `700 ${size}px ${FONT}`;
  ctx.fillStyle = COLOURS.ink;
  ctx.textAlign = x > chartArea.right - 120 ? "right" : "left";
  ctx.fillText(label, x + (ctx.textAlign === "right" ? -6 : 6), chartArea.top + 14);
  ctx.restore();
}

// Vertical lines at given values of the x axis, each with its label (a predicted time, say).
const markers = {
  id: "markers",
  afterDatasetsDraw(chart, args, options) {
    for (const line of options?.lines ?? []) {
      drawMarker(chart, line.value, { label: line.label, colour: line.colour, size: options.size });
    }
  },
};

// The session's phases on the minutes axis (from the metrics' timeline): the review shaded
// between learning and execution, each phase named at the top.
const phaseBands = {
  id: "phaseBands",
  beforeDatasetsDraw(chart, args, options) {
    const bands = chart.$phaseBands ?? []; // kept off the options, which Chart.js would resolve
    if (!bands.length) return;
    const { ctx, chartArea } = chart;
    const x = chart.scales.x;
    ctx.save();
    ctx.font = `600 ${options.size ?? 13}px ${FONT}`;
    ctx.textBaseline = "top";
    ctx.textAlign = "center";
    for (const band of bands) {
      const left = Math.max(chartArea.left, x.getPixelForValue(band.from));
      const right = Math.min(chartArea.right, x.getPixelForValue(band.to));
      if (right <= left) continue;
      if (band.fill) {
        ctx.fillStyle = band.fill;
        ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
      }
      if (band.edge) {
        ctx.strokeStyle = COLOURS.muted;
        ctx.lineWidth = 1;
        ctx.setLineDash([4, 4]);
        ctx.beginPath();
        ctx.moveTo(left, chartArea.top);
        ctx.lineTo(left, chartArea.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      if (band.label && right - left > ctx.measureText(band.label).width + 4) {
        ctx.fillStyle = COLOURS.muted;
        ctx.fillText(band.label, (left + right) / 2, chartArea.top + 4);
      }
    }
    ctx.restore();
  },
};

// Over a partial minute's bars, how much of the minute it covered ("partial: 0:30"): its bar is
// a rate over those seconds, drawn lighter.
const partialLabels = {
  id: "partialLabels",
  afterDatasetsDraw(chart, args, options) {
    if (!options || options.display === false) return;
    const { ctx, chartArea } = chart;
    const size = options.size ?? 12;
    const tops = new Map();
    chart.data.datasets.forEach((dataset, index) => {
      const meta = chart.getDatasetMeta(index);
      if (meta.type !== "bar" || meta.hidden) return;
      meta.data.forEach((bar, at) => {
        const raw = dataset.data[at];
        if (!raw?.partial) return;
        const { x, y } = bar.getProps(["x", "y"], true);
        const key = Math.round(x);
        const top = Math.min(tops.get(key)?.y ?? Infinity, y);
        tops.set(key, { x, y: top, covered: raw.covered_s });
      });
    });
    ctx.save();
    ctx.font = `italic 600 ${size}px ${FONT}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    for (const { x, y, covered } of tops.values()) {
      const text = t("fac.chart.partial", { time: clock(covered) });
      const ty = Math.max(chartArea.top + 2 * size + 10, y - 6); // under the phases' names
      ctx.lineWidth = 3;
      ctx.strokeStyle = "#ffffff";
      ctx.fillStyle = COLOURS.ink;
      ctx.strokeText(text, x, ty);
      ctx.fillText(text, x, ty);
    }
    ctx.restore();
  },
};

// A minute's bar spans the seconds it covered: a partial last minute is as narrow as it was
// short, its rate as tall as a whole minute's would be. Bars are placed at their minute's middle
// (x) on a minutes axis; this draws them from the minute's start for covered_s.
const coveredWidths = {
  id: "coveredWidths",
  afterDatasetsUpdate(chart) {
    const scale = chart.scales.x;
    chart.data.datasets.forEach((dataset, index) => {
      const meta = chart.getDatasetMeta(index);
      if (meta.type !== "bar") return;
      meta.data.forEach((bar, at) => {
        const raw = dataset.data[at];
        if (!raw || raw.covered_s === undefined || !raw.partial) return;
        const start = scale.getPixelForValue(raw.x - 0.5);
        const whole = scale.getPixelForValue(raw.x + 0.5) - start;
        const width = Math.max(2, whole * (raw.covered_s / 60));
        const gap = whole * 0.04;
        bar.x = start + width / 2;
        bar.width = Math.max(2, width - 2 * gap);
      });
    });
  },
};

let registered = false;
function setUp() {
  if (registered) return;
  registered = true;
  Chart.register(whiteBackground, valueLabels, markers, phaseBands, partialLabels, coveredWidths);
  Chart.defaults.font.family = FONT;
  Chart.defaults.color = COLOURS.ink;
  Chart.defaults.borderColor = COLOURS.grid;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;
}

const patterns = new Map();
export function hatch(colour) {
  if (patterns.has(colour)) return patterns.get(colour);
  const size = 12;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  context.fillStyle = colour;
  context.fillRect(0, 0, size, size);
  context.strokeStyle = "rgba(255,255,255,0.7)";
  context.lineWidth = 3;
  context.beginPath();
  for (const offset of [-size, 0, size]) {
    context.moveTo(offset, size);
    context.lineTo(offset + size, 0);
  }
  context.stroke();
  const pattern = context.createPattern(canvas, "repeat");
  patterns.set(colour, pattern);
  return pattern;
}

// Font sizes by where the chart is read: a projector, a screen, or an A4 page.
function sizes(size) {
  if (size === "large") return { tick: 18, legend: 18, title: 18, value: 20, point: 6, line: 4 };
  if (size === "print") return { tick: 9, legend: 9, title: 9, value: 9, point: 2.5, line: 2 };
  return { tick: 13, legend: 13, title: 13, value: 12, point: 4, line: 3 };
}

// Options every chart shares: responsive on screen; a fixed size when drawn for print.
function common(size) {
  const print = size === "print";
  return { responsive: !print, devicePixelRatio: print ? 3 : Math.max(2, window.devicePixelRatio || 1) };
}

const clockTicks = (value) => clock(value);

function axisTitle(text, size) {
  return { display: true, text, font: { size, weight: "600" } };
}

function legend(size) {
  return {
    position: "top",
    labels: {
      font: { size: size.legend },
      boxWidth: size.legend * 1.5,
      boxHeight: size.legend,
      sort: (a, b) => a.datasetIndex - b.datasetIndex,
    },
  };
}

// --- failures per minute, with the path found as a line -------------------------------------
// The x axis is minutes of the learning phase: each minute's bar spans it, and the path found
// steps up at the moment it grew.

export const MIN_MINUTES = 5;

// A partial minute's colours: lighter, for a bar that covers less than a whole minute.
const LIGHT = { new: "#8DBFDD", repeat: "#EDB089", error: "#E6BCD5" };

function minuteStep(minutes) {
  for (const step of [1, 2, 5, 10]) if (minutes / step <= 12) return step;
  return 15;
}

// rates: the bars are failures per minute (each minute's count over the seconds it covered, as
// the metrics give it), a partial last minute drawn lighter and labelled; the path found is then
// on a chart of its own (progressStrip), and execution errors join on the session's timeline.
export function failuresChart(canvas, { size = "normal", progress = true, rates = false } = {}) {
  setUp();
  const s = sizes(size);
  const fill = (colour, light, pattern) => (context) => {
    const partial = context.raw?.partial;
    if (pattern) return hatch(partial ? light : colour);
    return partial ? light : colour;
  };
  const rateParsing = rates ? { parsing: { xAxisKey: "x", yAxisKey: "rate" } } : {};
  const datasets = [
    {
      type: "bar",
      label: t(rates ? "fac.chart.new_rate" : "fac.chart.new"),
      data: [],
      stack: "beeps",
      backgroundColor: rates ? fill(COLOURS.new, LIGHT.new, false) : COLOURS.new,
      borderColor: COLOURS.new,
      borderWidth: 1,
      barPercentage: 0.92,
      categoryPercentage: 1,
      order: 2,
      ...rateParsing,
    },
    {
      type: "bar",
      label: t(rates ? "fac.chart.repeat_rate" : "fac.chart.repeat"),
      data: [],
      stack: "beeps",
      backgroundColor: rates ? fill(COLOURS.repeat, LIGHT.repeat, true) : hatch(COLOURS.repeat),
      borderColor: COLOURS.repeat,
      borderWidth: 2,
      barPercentage: 0.92,
      categoryPercentage: 1,
      order: 2,
      ...rateParsing,
    },
  ];
  if (rates) {
    datasets.push({
      type: "bar",
      label: t("fac.chart.errors_rate"),
      data: [],
      stack: "beeps",
      backgroundColor: fill(COLOURS.error, LIGHT.error, false),
      borderColor: COLOURS.error,
      borderWidth: 1,
      barPercentage: 0.92,
      categoryPercentage: 1,
      order: 2,
      ...rateParsing,
    });
  } else if (progress) {
    datasets.push({
      type: "line",
      label: t("fac.chart.progress"),
      data: [],
      yAxisID: "progress",
      // "before": the line keeps its old level up to the point, and rises there ("after" would
      // rise at the point before, too early).
      stepped: "before",
      borderColor: COLOURS.progress,
      backgroundColor: COLOURS.progress,
      borderWidth: s.line,
      pointRadius: (context) => (context.raw?.edge ? 0 : s.point),
      pointStyle: "rectRot",
      pointBorderColor: "#ffffff",
      pointBorderWidth: size === "print" ? 1 : 2,
      order: 1,
    });
  }
  const scales = {
    x: {
      type: "linear",
      stacked: true,
      min: 0,
      max: MIN_MINUTES,
      offset: false,
      title: axisTitle(t("fac.chart.minute"), s.title),
      ticks: { stepSize: 1, precision: 0, font: { size: s.tick } },
      grid: { color: COLOURS.grid },
    },
    y: {
      stacked: true,
      beginAtZero: true,
      suggestedMax: 4,
      grace: rates ? "12%" : 0,
      afterFit: rates ? fixedWidth(size) : undefined,
      title: axisTitle(t(rates ? "fac.chart.failures_rate" : "fac.chart.failures"), s.title),
      ticks: { precision: 0, font: { size: s.tick } },
    },
  };
  if (progress && !rates) {
    scales.progress = {
      position: "right",
      min: 0,
      max: 100,
      title: axisTitle(t("fac.chart.progress_axis"), s.title),
      ticks: { stepSize: 25, callback: (value) => `${value}%`, font: { size: s.tick } },
      grid: { drawOnChartArea: false },
    };
  }
  const perMinute = (value) => String(Math.round(value * 10) / 10);
  return new Chart(canvas, {
    data: { datasets },
    options: {
      ...common(size),
      interaction: { mode: "nearest", intersect: false, axis: "x" },
      plugins: {
        legend: legend(s),
        tooltip: {
          titleFont: { size: s.tick },
          bodyFont: { size: s.tick },
          callbacks: {
            title: (items) => {
              const item = items[0];
              if (!item) return "";
              if (item.dataset.type === "line") return clock(item.parsed.x * 60);
              if (item.raw?.covered_s !== undefined) return t("fac.chart.minute_span", { from: clock(item.raw.from_s), to: clock(item.raw.from_s + item.raw.covered_s) });
              return t("fac.chart.minute_n", { n: Math.floor(item.parsed.x) + 1 });
            },
            label: (context) => {
              if (context.dataset.type === "line") return `${context.dataset.label}: ${context.parsed.y}%`;
              const raw = context.raw;
              if (rates && raw?.covered_s !== undefined) {
                return t("fac.chart.rate_tooltip", { label: context.dataset.label, rate: perMinute(context.parsed.y), count: raw.y, time: clock(raw.covered_s) });
              }
              return `${context.dataset.label}: ${context.parsed.y}`;
            },
          },
        },
        valueLabels: { inside: true, size: s.value, format: rates ? perMinute : undefined },
        partialLabels: { display: rates, size: s.value },
        phaseBands: { size: s.value },
      },
      scales,
    },
  });
}

// The share of the path found, on a chart of its own under the failures (sharing their minutes
// axis, set by setFailures): one y axis, 0 to 100%, and a line never cut off at 100%.
export function progressStrip(canvas, { size = "normal" } = {}) {
  setUp();
  const s = sizes(size);
  const box = canvas.parentElement;
  if (box?.dataset.strip !== undefined) box.style.setProperty("height", size === "large" ? "9rem" : "7.5rem");
  return new Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        {
          label: t("fac.chart.progress"),
          data: [],
          stepped: "before",
          borderColor: COLOURS.progress,
          backgroundColor: "rgba(0,114,178,0.12)",
          fill: "origin",
          borderWidth: s.line,
          pointRadius: (context) => (context.raw?.edge ? 0 : s.point),
          pointStyle: "rectRot",
          pointBorderColor: "#ffffff",
          pointBorderWidth: size === "print" ? 1 : 2,
          clip: false, // the line at 100% is drawn whole, not halved by the chart's edge
        },
      ],
    },
    options: {
      ...common(size),
      layout: { padding: { top: s.point + s.line } },
      plugins: {
        legend: { display: false },
        valueLabels: { display: false },
        tooltip: { callbacks: { title: (items) => clock((items[0]?.parsed.x ?? 0) * 60), label: (context) => `${context.dataset.label}: ${context.parsed.y}%` } },
      },
      scales: {
        x: {
          type: "linear",
          min: 0,
          max: MIN_MINUTES,
          title: { display: false },
          ticks: { stepSize: 1, precision: 0, font: { size: s.tick } },
          grid: { color: COLOURS.grid },
        },
        y: {
          min: 0,
          max: 100,
          title: axisTitle(t("fac.chart.progress_axis"), s.title),
          ticks: { stepSize: 50, callback: (value) => `${value}%`, font: { size: s.tick } },
          afterFit: fixedWidth(size),
        },
      },
    },
  });
}

// The progress line: from 0 at the start, a step at each moment the path found grew, on to
// `end` (minutes).
export function progressPoints(points, end) {
  const line = [{ x: 0, y: 0, edge: true }];
  for (const point of points) line.push({ x: point.t / 60, y: Math.round(point.progress * 1000) / 10 });
  const last = line[line.length - 1];
  if (end > last.x) line.push({ x: end, y: last.y, edge: true });
  return line;
}

// Progress by the end of each minute, from the points where it grew (for the data table).
export function progressByMinute(points, minutes) {
  const values = [];
  let index = 0;
  let current = 0;
  for (let minute = 0; minute < minutes; minute += 1) {
    while (index < points.length && points[index].t <= (minute + 1) * 60) {
      current = points[index].progress;
      index += 1;
    }
    values.push(Math.round(current * 1000) / 10);
  }
  return values;
}

// learning: the metrics' learning part; seconds: the phase's running time now (it grows
// between two metrics messages).
// minMinutes: the live chart shows a few minutes ahead, for the bars to grow into.
// With rates, each point is {x, y: the count, rate, covered_s, partial, from_s}: the chart draws
// the rate; timeline (the team's metrics.timeline) adds the execution's errors and the review
// between; strip (a progressStrip) gets the path found on the same minutes.
export function setFailures(chart, learning, { seconds = null, minMinutes = MIN_MINUTES, timeline = null, strip = null } = {}) {
  const buckets = learning?.per_minute ?? [];
  const elapsed = Math.max(seconds ?? 0, learning?.duration_s ?? 0);
  const minutes = Math.max(buckets.length, Math.ceil(elapsed / 60));
  const rates = chart.data.datasets[0].parsing?.yAxisKey === "rate";
  const bar = (kind) =>
    buckets.map((bucket) => {
      const point = { x: bucket.minute + 0.5, y: bucket[kind] };
      if (!rates) return point;
      return { ...point, rate: bucket[`${kind}_per_min`] ?? 0, covered_s: bucket.covered_s, partial: bucket.partial, from_s: bucket.minute * 60 };
    });
  chart.data.datasets[0].data = bar("new");
  chart.data.datasets[1].data = bar("repeat");
  const progress = learning?.started_at ? progressPoints(learning.progress ?? [], elapsed / 60) : [];
  let end = minutes;
  if (rates) {
    const executed = timeline?.execution_minutes ?? [];
    chart.data.datasets[2].data = executed.map((bucket) => ({
      x: bucket.from_s / 60 + 0.5,
      y: bucket.errors,
      rate: bucket.errors_per_min ?? 0,
      covered_s: bucket.covered_s,
      partial: bucket.partial,
      from_s: bucket.from_s - (timeline.execution?.from_s ?? 0),
    }));
    chart.data.datasets[2].hidden = !timeline?.execution;
    const bands = [];
    if (timeline?.review) {
      const review = timeline.review;
      bands.push({ from: 0, to: review.from_s / 60, label: t("fac.chart.band_learning") });
      bands.push({ from: review.from_s / 60, to: review.to_s / 60, fill: COLOURS.review, edge: true, label: t("fac.chart.band_review") });
      end = Math.max(end, review.to_s / 60);
    }
    if (timeline?.execution) {
      const execution = timeline.execution;
      bands.push({ from: execution.from_s / 60, to: execution.to_s / 60, edge: true, label: t("fac.chart.band_execution") });
      end = Math.max(end, execution.to_s / 60, ...executed.map((bucket) => bucket.from_s / 60 + 1));
    }
    chart.$phaseBands = bands;
    chart.options.scales.x.title.text = t(bands.length ? "fac.chart.session_minutes" : "fac.chart.minute");
  } else if (chart.data.datasets[2]) {
    chart.data.datasets[2].data = progress;
  }
  const shown = Math.max(minMinutes, Math.ceil(end - 1e-9), 1);
  setMinuteAxis(chart, shown);
  chart.update("none");
  if (strip) {
    strip.data.datasets[0].data = progress;
    strip.options.scales.x.min = chart.options.scales.x.min;
    strip.options.scales.x.max = chart.options.scales.x.max;
    strip.options.scales.x.ticks.stepSize = chart.options.scales.x.ticks.stepSize;
    strip.update("none");
  }
}

// The y axes of the bars and of the path found under them take the same width, so that their
// minutes line up.
function fixedWidth(size) {
  const width = size === "large" ? 96 : size === "print" ? 48 : 72;
  return (scale) => {
    scale.width = width;
  };
}

// The minutes axis ends on a whole step, or Chart.js spreads its ticks unevenly.
export function setMinuteAxis(chart, minutes) {
  const step = minuteStep(minutes);
  const x = chart.options.scales.x;
  x.max = Math.ceil(minutes / step) * step;
  x.ticks.stepSize = step;
}

// The chart's data as the table a screen reader (or a test) reads.
export function failuresTable(learning, seconds = 0) {
  const buckets = learning?.per_minute ?? [];
  const count = Math.max(buckets.length, Math.ceil(seconds / 60));
  const progress = progressByMinute(learning?.progress ?? [], count);
  return Array.from({ length: count }, (_, minute) => ({
    minute: minute + 1,
    new: buckets[minute]?.new ?? 0,
    repeat: buckets[minute]?.repeat ?? 0,
    progress: progress[minute],
    covered_s: buckets[minute]?.covered_s ?? null,
    partial: buckets[minute]?.partial ?? null,
    new_per_min: buckets[minute]?.new_per_min ?? null,
    repeat_per_min: buckets[minute]?.repeat_per_min ?? null,
  }));
}

// The rows of the chart's figures, as text: minute, new, repeat, path found, seconds covered
// ("partial: 0:25" for a last minute cut short), new and repeat per minute.
export function failuresRows(learning, seconds = 0) {
  return failuresTable(learning, seconds).map((row) => [
    String(row.minute),
    String(row.new),
    String(row.repeat),
    `${row.progress}%`,
    coveredText(row.covered_s, row.partial),
    rateText(row.new_per_min),
    rateText(row.repeat_per_min),
  ]);
}

// The execution's minutes on the session's timeline: from (m:ss), errors, seconds covered, per minute.
export function executionRows(timeline) {
  return (timeline?.execution_minutes ?? []).map((bucket) => [
    clock(bucket.from_s),
    String(bucket.errors),
    coveredText(bucket.covered_s, bucket.partial),
    rateText(bucket.errors_per_min),
  ]);
}

function coveredText(covered, partial) {
  if (covered === null || covered === undefined) return "\u2013";
  return partial ? t("fac.chart.partial", { time: clock(covered) }) : clock(covered);
}

// A rate as the tables write it: to 0.01, as the per-minute CSV does; a dash for none.
export function rateText(value) {
  return value === null || value === undefined ? "\u2013" : String(Math.round(value * 100) / 100);
}

// --- path progress over time ------------------------------------------------------------------

export function progressChart(canvas, learning, { size: scale = "normal" } = {}) {
  setUp();
  const size = sizes(scale);
  const end = learning.duration_s ?? 0;
  const points = [{ x: 0, y: 0 }];
  for (const point of learning.progress ?? []) points.push({ x: point.t, y: Math.round(point.progress * 1000) / 10 });
  points.push({ x: end, y: points[points.length - 1].y });
  return new Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        {
          label: t("fac.chart.progress"),
          data: points,
          stepped: "before", // the rise drawn at the moment it happened
          borderColor: COLOURS.progress,
          backgroundColor: "rgba(0,114,178,0.12)",
          fill: "origin",
          borderWidth: size.line,
          pointRadius: (context) => (context.dataIndex === 0 || context.dataIndex === points.length - 1 ? 0 : size.point),
          clip: false, // the line at 100% is drawn whole, not halved by the chart's edge
        },
      ],
    },
    options: {
      ...common(scale),
      layout: { padding: { top: size.point + size.line } },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { title: (items) => clock(items[0]?.parsed.x ?? 0), label: (context) => `${context.parsed.y}%` } },
      },
      scales: {
        x: {
          type: "linear",
          min: 0,
          max: Math.max(60, Math.ceil(end / niceStep(end)) * niceStep(end)),
          title: axisTitle(t("fac.chart.time_learning"), size.title),
          ticks: { stepSize: niceStep(end), callback: clockTicks, font: { size: size.tick } },
        },
        y: {
          min: 0,
          max: 100,
          title: axisTitle(t("fac.chart.progress_axis"), size.title),
          ticks: { stepSize: 25, callback: (value) => `${value}%`, font: { size: size.tick } },
        },
      },
    },
  });
}

function niceStep(seconds) {
  for (const step of [15, 30, 60, 120, 300, 600]) if (seconds / step <= 8) return step;
  return 900;
}

// --- execution crossings ------------------------------------------------------------------------

export function crossingsChart(canvas, execution, { labels, predicted = null, size: scale = "normal" }) {
  setUp();
  const size = sizes(scale);
  const times = (execution.crossings ?? []).map((crossing) => crossing.t);
  const longest = Math.max(60, ...times, predicted ?? 0);
  return new Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: [
        {
          label: t("fac.chart.crossed_at"),
          data: times,
          backgroundColor: COLOURS.crossing,
          borderColor: "#00664a",
          borderWidth: 1,
          barPercentage: 0.7,
        },
      ],
    },
    options: {
      ...common(scale),
      indexAxis: "y",
      plugins: {
        legend: { display: false },
        valueLabels: { format: clockTicks, size: size.value },
        markers: {
          size: size.value,
          lines: predicted ? [{ value: predicted, label: t("fac.chart.predicted_line", { time: clock(predicted) }) }] : [],
        },
        tooltip: { callbacks: { label: (context) => clock(context.parsed.x) } },
      },
      scales: {
        x: {
          min: 0,
          suggestedMax: longest * 1.12,
          title: axisTitle(t("fac.chart.time_execution"), size.title),
          ticks: { stepSize: niceStep(longest), callback: clockTicks, font: { size: size.tick } },
        },
        y: { ticks: { font: { size: size.tick } }, grid: { display: false } },
      },
    },
  });
}

// --- predicted against actual -------------------------------------------------------------------

// rows: [{label, predicted, actual, adjusted}] (seconds or null), one per team.
export function predictionChart(canvas, rows, { size: scale = "normal" } = {}) {
  setUp();
  const size = sizes(scale);
  const dataset = (label, key, colour, pattern = false) => ({
    label,
    data: rows.map((row) => row[key]),
    backgroundColor: pattern ? hatch(colour) : colour,
    borderColor: colour,
    borderWidth: pattern ? 2 : 1,
  });
  const longest = Math.max(60, ...rows.flatMap((row) => [row.predicted ?? 0, row.actual ?? 0, row.adjusted ?? 0]));
  return new Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map((row) => row.label),
      datasets: [
        dataset(t("fac.chart.predicted"), "predicted", COLOURS.predicted, true),
        dataset(t("fac.chart.actual"), "actual", COLOURS.actual),
        dataset(t("fac.chart.adjusted"), "adjusted", COLOURS.adjusted),
      ],
    },
    options: {
      ...common(scale),
      plugins: {
        legend: legend(size),
        valueLabels: { format: clockTicks, size: size.value },
        tooltip: { callbacks: { label: (context) => `${context.dataset.label}: ${clock(context.parsed.y)}` } },
      },
      scales: {
        x: { ticks: { font: { size: size.tick } }, grid: { display: false } },
        y: {
          beginAtZero: true,
          suggestedMax: longest * 1.15,
          title: axisTitle(t("fac.chart.seconds_axis"), size.title),
          ticks: { stepSize: niceStep(longest), callback: clockTicks, font: { size: size.tick } },
        },
      },
    },
  });
}

// --- teams side by side: failures, new against repeat ----------------------------------------

export function teamsFailuresChart(canvas, rows, { size: scale = "normal" } = {}) {
  setUp();
  const size = sizes(scale);
  return new Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map((row) => row.label),
      datasets: [
        { label: t("fac.chart.new"), data: rows.map((row) => row.new), stack: "f", backgroundColor: COLOURS.new, borderColor: COLOURS.new, borderWidth: 1 },
        {
          label: t("fac.chart.repeat"),
          data: rows.map((row) => row.repeat),
          stack: "f",
          backgroundColor: hatch(COLOURS.repeat),
          borderColor: COLOURS.repeat,
          borderWidth: 2,
        },
      ],
    },
    options: {
      ...common(scale),
      plugins: {
        legend: legend(size),
        valueLabels: { inside: true, size: size.value },
      },
      scales: {
        x: { stacked: true, ticks: { font: { size: size.tick } }, grid: { display: false } },
        y: { stacked: true, beginAtZero: true, title: axisTitle(t("fac.chart.failures"), size.title), ticks: { precision: 0, font: { size: size.tick } } },
      },
    },
  });
}

// A chart drawn once at a fixed size for paper (an A4 column is about 330 CSS pixels wide),
// returned as a PNG data URL: the page's charts are sized for the screen, their text too small
// once shrunk onto the page.
export function printImage(make, width, height) {
  const box = document.createElement("div");
  box.className = "print-render";
  box.style.setProperty("width", `${width}px`);
  box.style.setProperty("height", `${height}px`);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.style.setProperty("width", `${width}px`);
  canvas.style.setProperty("height", `${height}px`);
  box.append(canvas);
  document.body.append(box);
  const chart = make(canvas, "print");
  const url = chart.toBase64Image("image/png", 1);
  chart.destroy();
  box.remove();
  return url;
}

export function chartPng(chart) {
  return new Promise((resolve) => chart.canvas.toBlob(resolve, "image/png"));
}

export function chartDataUrl(chart) {
  return chart.toBase64Image("image/png", 1);
}
