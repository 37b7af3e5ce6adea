// Teams or whole workshops side by side: the measures in one table, and their curves overlaid
// (failures per minute, the share of the path found over time). Each team keeps one colour, one
// line pattern and one point shape on both charts, so no curve is told by colour alone.

import { t, clock } from "../../js/shared.js";
import { $, el, setText } from "../../js/dom.js";
import { dateTime } from "../../js/format.js";
import { request, workshopPath, replayPage, setPageState, keepLanguageLinks } from "./api.js";
import { outcome, OUTCOMES } from "./outcome.js";
import { TEAM_MEASURES } from "../../js/measures.js";

const STYLES = [
  { colour: "#0072B2", dash: [], point: "circle" },
  { colour: "#D55E00", dash: [8, 4], point: "triangle" },
  { colour: "#00664a", dash: [2, 3], point: "rect" },
  { colour: "#a0427f", dash: [12, 4, 2, 4], point: "rectRot" },
  { colour: "#1b1f24", dash: [4, 4], point: "star" },
  { colour: "#8a5a00", dash: [14, 6], point: "crossRot" },
  { colour: "#0b5f8f", dash: [1, 5], point: "cross" },
  { colour: "#6b4e00", dash: [6, 2, 1, 2], point: "rectRounded" },
];
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

const entries = JSON.parse($("#compared").textContent);
const charts = [];

// --- what is compared ------------------------------------------------------------------------

// One column per team: {key, workshop (the library's summary), team (its summary), metrics}.
function columnsOf(summaries, metricsByWorkshop) {
  const columns = [];
  const missing = [];
  for (const entry of entries) {
    const workshop = summaries.get(entry.workshop);
    const metrics = metricsByWorkshop.get(entry.workshop);
    if (!workshop || !metrics) {
      missing.push(entry.team ? `${entry.workshop}:${entry.team}` : entry.workshop);
      continue;
    }
    const teams = entry.team ? workshop.teams.filter((team) => team.team_id === entry.team) : workshop.teams;
    if (!teams.length) missing.push(`${workshop.title}: ${entry.team}`);
    for (const team of teams) {
      const key = `${workshop.workshop_id}:${team.team_id}`;
      if (columns.some((column) => column.key === key)) continue;
      columns.push({ key, workshop, team, metrics: metrics.teams[team.team_id] });
    }
  }
  return { columns, missing };
}

// A workshop as the page names it: its title, with its date when another compared workshop has
// the same title, and its id when even that is the same.
function workshopLabel(workshop, columns) {
  const others = [...new Map(columns.map((other) => [other.workshop.workshop_id, other.workshop])).values()].filter(
    (other) => other.workshop_id !== workshop.workshop_id && other.title === workshop.title,
  );
  if (!others.length) return workshop.title;
  const when = dateTime(workshop.created_at);
  const sameWhen = others.some((other) => dateTime(other.created_at) === when);
  return `${workshop.title} (${sameWhen ? `${when}, ${workshop.workshop_id}` : when})`;
}

function columnLabel(column, columns) {
  const sameName = columns.filter((other) => other.team.name === column.team.name).length > 1;
  const oneWorkshop = new Set(columns.map((other) => other.workshop.workshop_id)).size === 1;
  return sameName || !oneWorkshop ? `${column.team.name} · ${workshopLabel(column.workshop, columns)}` : column.team.name;
}

// --- the table -------------------------------------------------------------------------------

const MEASURES = [
  ["lib.col.when", (c) => dateTime(c.workshop.created_at)],
  ["lib.col.outcome", (c) => {
    const value = outcome(c.team, c.workshop.ended);
    return `${OUTCOMES[value]} ${t(`lib.outcome.${value}`)}`;
  }],
  ...TEAM_MEASURES.map(([key, value]) => [key, (c) => value(c.metrics)]),
];

function swatch(index) {
  const style = STYLES[index % STYLES.length];
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 36 12");
  svg.setAttribute("class", "swatch");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
  for (const [name, value] of Object.entries({ x1: 1, x2: 35, y1: 6, y2: 6, stroke: style.colour, "stroke-width": 3, "stroke-dasharray": style.dash.join(" ") || "none" })) {
    line.setAttribute(name, String(value));
  }
  svg.append(line);
  return svg;
}

function drawTable(columns) {
  const head = [el("th", { text: t("fac.debrief.measure"), attrs: { scope: "col" } })];
  columns.forEach((column, index) => {
    const cell = el("th", { className: "num team-column", attrs: { scope: "col", "data-key": column.key } });
    const link = el("a", {
      text: columnLabel(column, columns),
      attrs: { href: replayPage(column.workshop.workshop_id, { team: column.team.team_id }), title: t("lib.replay_team", { team: column.team.name, title: column.workshop.title }) },
    });
    cell.append(swatch(index), link);
    head.push(cell);
  });
  $("#compare-head").replaceChildren(...head);
  const rows = MEASURES.map(([key, value]) => {
    const row = el("tr", { attrs: { "data-measure": key } });
    row.append(el("th", { text: t(key), attrs: { scope: "row" } }));
    for (const column of columns) row.append(el("td", { className: "num", text: value(column) }));
    return row;
  });
  $("#compare-table tbody").replaceChildren(...rows);
}

// --- the charts ------------------------------------------------------------------------------

function axisTitle(text) {
  return { display: true, text, font: { size: 13, weight: "600" } };
}

function lineDataset(column, index, points, columns, extra = {}) {
  const style = STYLES[index % STYLES.length];
  return {
    label: columnLabel(column, columns),
    data: points,
    borderColor: style.colour,
    backgroundColor: style.colour,
    borderDash: style.dash,
    borderWidth: 3,
    pointStyle: style.point,
    pointRadius: 5,
    pointHoverRadius: 7,
    pointBorderColor: style.colour,
    pointBackgroundColor: "#ffffff",
    pointBorderWidth: 2,
    fill: false,
    ...extra,
  };
}

function options({ yTitle, yTicks, xMax, tooltipTitle, tooltipLabel }) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    devicePixelRatio: Math.max(2, window.devicePixelRatio || 1),
    interaction: { mode: "nearest", intersect: false, axis: "x" },
    plugins: {
      legend: { position: "top", labels: { usePointStyle: true, font: { size: 13, family: FONT }, color: "#1b1f24", padding: 14 } },
      tooltip: { callbacks: { title: tooltipTitle, label: tooltipLabel } },
    },
    scales: {
      x: { type: "linear", min: 0, max: xMax, title: axisTitle(t("fac.chart.minute")), ticks: { precision: 0, color: "#1b1f24" }, grid: { color: "#d5dbe3" } },
      y: { beginAtZero: true, title: axisTitle(yTitle), ticks: { color: "#1b1f24", ...yTicks }, grid: { color: "#d5dbe3" } },
    },
  };
}

function drawCharts(columns) {
  const Chart = window.Chart;
  for (const chart of charts.splice(0)) chart.destroy();
  if (!Chart) return;
  Chart.defaults.font.family = FONT;
  const minutes = Math.max(1, ...columns.map((column) => Math.ceil((column.metrics.learning.duration_s ?? 0) / 60)));
  // Each minute's count in the middle of its minute, as the debrief's bars stand.
  const failures = columns.map((column, index) => {
    const points = (column.metrics.learning.per_minute ?? []).map((bucket) => ({ x: bucket.minute + 0.5, y: bucket.new + bucket.repeat, new: bucket.new, repeat: bucket.repeat }));
    return lineDataset(column, index, points, columns);
  });
  charts.push(
    new Chart($("#failures-chart"), {
      type: "line",
      data: { datasets: failures },
      options: options({
        yTitle: t("fac.chart.failures"),
        yTicks: { precision: 0 },
        xMax: minutes,
        tooltipTitle: (items) => (items[0] ? t("fac.chart.minute_n", { n: Math.floor(items[0].parsed.x) + 1 }) : ""),
        tooltipLabel: (context) => {
          const raw = context.raw;
          return `${context.dataset.label}: ${raw.y} (${t("fac.debrief.new_repeat_detail", { new: raw.new, repeat: raw.repeat })})`;
        },
      }),
    }),
  );
  const progress = columns.map((column, index) => {
    const learning = column.metrics.learning;
    const points = [{ x: 0, y: 0 }];
    for (const point of learning.progress ?? []) points.push({ x: point.t / 60, y: Math.round(point.progress * 1000) / 10 });
    const end = (learning.duration_s ?? 0) / 60;
    if (end > points[points.length - 1].x) points.push({ x: end, y: points[points.length - 1].y, end: true });
    return lineDataset(column, index, points, columns, { stepped: "after", pointRadius: (context) => (context.raw?.end || context.dataIndex === 0 ? 0 : 5) });
  });
  charts.push(
    new Chart($("#progress-chart"), {
      type: "line",
      data: { datasets: progress },
      options: options({
        yTitle: t("fac.chart.progress_axis"),
        yTicks: { stepSize: 25, callback: (value) => `${value}%` },
        xMax: minutes,
        tooltipTitle: (items) => (items[0] ? clock(items[0].parsed.x * 60) : ""),
        tooltipLabel: (context) => `${context.dataset.label}: ${context.parsed.y}%`,
      }),
    }),
  );
  charts[1].options.scales.y.max = 100;
  charts[1].update("none");
  const names = columns.map((column) => columnLabel(column, columns)).join(", ");
  $("#failures-chart").setAttribute("aria-label", t("lib.compare.failures_alt", { teams: names }));
  $("#progress-chart").setAttribute("aria-label", t("lib.compare.progress_alt", { teams: names }));
}

// The page says what it compares: the workshop by name and date when there is one, else how
// many teams of how many workshops.
function describeCompared(columns) {
  const workshops = [...new Map(columns.map((column) => [column.workshop.workshop_id, column.workshop])).values()];
  const teams = t("fac.debrief.teams_count", { count: columns.length });
  const meta = $("#compare-meta");
  if (workshops.length === 1) {
    const [workshop] = workshops;
    const title = workshop.title || t("lib.untitled");
    meta.textContent = `${t("fac.debrief.played", { date: dateTime(workshop.created_at) })} · ${teams}`;
    setText($("#compare-heading"), t("lib.compare.heading_one", { title }));
    document.title = `${t("lib.compare.heading_one", { title })} · ${t("app.name")}`;
  } else {
    meta.textContent = `${teams} · ${t("lib.compare.workshops", { count: workshops.length })}`;
  }
}

// --- loading ---------------------------------------------------------------------------------

async function load() {
  setPageState("loading");
  $("#loading").hidden = false;
  $("#load-error").hidden = true;
  const workshopIds = [...new Set(entries.map((entry) => entry.workshop))];
  let summaries;
  const metricsByWorkshop = new Map();
  try {
    const [list, ...metrics] = await Promise.all([
      request("/api/library/workshops"),
      ...workshopIds.map((id) => request(`${workshopPath(id)}/metrics`).catch((error) => (error.status === 404 ? null : Promise.reject(error)))),
    ]);
    summaries = new Map(list.map((workshop) => [workshop.workshop_id, workshop]));
    workshopIds.forEach((id, index) => metrics[index] && metricsByWorkshop.set(id, metrics[index]));
  } catch (error) {
    if (error.status === 401) return;
    $("#loading").hidden = true;
    $("#load-error").hidden = false;
    setPageState("error");
    return;
  }
  $("#loading").hidden = true;
  const { columns, missing } = columnsOf(summaries, metricsByWorkshop);
  const banner = $("#missing");
  banner.hidden = missing.length === 0;
  banner.textContent = missing.length ? t("lib.compare.missing", { list: missing.join(", ") }) : "";
  if (columns.length < 2) {
    $("#too-few").hidden = false;
    setPageState("empty");
    return;
  }
  describeCompared(columns);
  $("#app").hidden = false;
  drawTable(columns);
  drawCharts(columns);
  setPageState("ready");
}

$("#retry").addEventListener("click", load);
keepLanguageLinks();
load();
