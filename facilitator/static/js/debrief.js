// The debrief: every measure of the exercise's debrief list, per team and teams side by side,
// with their charts, the questions to talk about, and the exports. Team-level by default;
// per-person figures only when the facilitator asks for them. Printing gives a clean A4 PDF.

import { t } from "./shared.js";
import { readToken, showRefusal, getChoice, setChoice, keepLanguageLinks, pageLink, consolePath, download, saveBlob, workshopId } from "./access.js";
import { ConsoleSocket } from "./socket.js";
import { $, el } from "./dom.js";
import { drawMaze, heatFrom, svgToPng } from "./maze.js";
import {
  failuresChart,
  setFailures,
  progressStrip,
  failuresRows,
  executionRows as executionMinuteRows,
  progressChart,
  crossingsChart,
  predictionChart,
  teamsFailuresChart,
  printImage,
  chartPng,
} from "./charts.js";
import { duration, shortDuration, signedDuration, percent, dateTime, DASH } from "./format.js";
import { TEAM_MEASURES, comparison, huddlesText, penaltiesText, predictionDifference } from "./measures.js";
import { showOutages } from "./outages.js";

const REDRAW_EVERY_MS = 3000;

const token = readToken();
const state = {
  socket: null,
  view: null,
  metrics: null,
  charts: [],
  drawnAt: 0,
  redrawTimer: null,
  people: getChoice("people") === "1",
  filter: getChoice("team") ?? "all",
};

function deny(reason) {
  if (reason === "closed") setConnection("closed");
  else showRefusal(reason);
}

function setConnection(connection) {
  document.body.dataset.connection = connection;
  const texts = { online: "connection.online", reconnecting: "connection.reconnecting", closed: "connection.closed" };
  $("#connection-text").textContent = t(texts[connection] ?? "connection.connecting");
}

// --- the measures ------------------------------------------------------------------------------

function howEnded(learning) {
  if (!learning.ended_at) return learning.started_at ? t("fac.debrief.still_running") : DASH;
  return t(`fac.debrief.how.${learning.how_it_ended ?? "facilitator"}`);
}

// Whether the path was found; a team whose learning phase has not ended, in a workshop that
// goes on, may yet find it.
function foundText(learning) {
  if (learning.path_found) return t("fac.debrief.found");
  const over = state.view.session.ended || learning.ended_at !== null;
  return over ? t("fac.debrief.not_found") : t("fac.debrief.not_found_yet");
}

function learningRows(learning) {
  return [
    ["fac.m.duration", duration(learning.duration_s)],
    ["fac.m.penalties_added", duration(learning.penalty_s)],
    ["fac.m.adjusted", duration(learning.adjusted_s)],
    ["fac.m.first_beep", duration(learning.time_to_first_beep_s)],
    ["fac.m.discovery", learning.time_to_discovery_s === null ? (learning.started_at ? foundText(learning) : DASH) : duration(learning.time_to_discovery_s)],
    ["fac.m.how_ended", howEnded(learning)],
    ["fac.m.failures", String(learning.failures.total)],
    ["fac.m.new", String(learning.failures.new)],
    ["fac.m.repeat", String(learning.failures.repeat)],
    ["fac.m.ratio", percent(learning.learning_ratio)],
    ["fac.m.turns", String(learning.turns)],
    ["fac.m.steps", String(learning.steps)],
    ["fac.m.hesitation_median", shortDuration(learning.hesitation.median_s)],
    ["fac.m.hesitation_longest", shortDuration(learning.hesitation.longest_s)],
    ["fac.m.idle", String(learning.idle_timeouts)],
    ["fac.m.retrace_errors", String(learning.retrace_errors)],
    ["fac.m.huddles", huddlesText(learning.huddles)],
    ["fac.m.penalties", penaltiesText(learning.penalties)],
  ];
}

function executionRows(execution) {
  const started = execution.started_at !== null;
  const complete = execution.complete === null ? (started ? t("fac.debrief.still_running") : DASH) : t(execution.complete ? "fac.yes" : "fac.no");
  return [
    ["fac.m.duration", started ? duration(execution.duration_s) : DASH],
    ["fac.m.errors", String(execution.errors)],
    ["fac.m.error_penalty", duration(execution.error_penalty_s)],
    ["fac.m.penalties_added", duration(execution.penalty_s)],
    ["fac.m.adjusted", duration(execution.adjusted_s)],
    ["fac.m.predicted", duration(execution.predicted_s)],
    ["fac.m.vs_predicted", comparison(execution)],
    ["fac.m.crossings", String(execution.crossings.length)],
    ["fac.m.complete", complete],
    ["fac.m.huddles", huddlesText(execution.huddles)],
    ["fac.m.penalties", penaltiesText(execution.penalties)],
  ];
}

function fillTable(tbody, rows) {
  tbody.replaceChildren(
    ...rows.map(([key, value]) => {
      const row = el("tr", { attrs: { "data-measure": key.replace("fac.m.", "") } });
      row.append(el("th", { text: t(key), attrs: { scope: "row" } }), el("td", { className: "num", text: value }));
      return row;
    }),
  );
}

function headline(teamMetrics) {
  const { learning, execution } = teamMetrics;
  const card = (label, value, detail) => {
    const box = el("div", { className: "stat-card" });
    box.append(el("p", { className: "card-label", text: label }), el("p", { className: "card-value", text: value }));
    if (detail) box.append(el("p", { className: "card-detail", text: detail }));
    return box;
  };
  return [
    card(t("fac.debrief.learning_time"), duration(learning.duration_s), t("fac.debrief.adjusted_detail", { time: duration(learning.adjusted_s) })),
    card(t("fac.m.failures"), String(learning.failures.total), t("fac.debrief.new_repeat_detail", { new: learning.failures.new, repeat: learning.failures.repeat })),
    card(t("fac.m.ratio"), percent(learning.learning_ratio), t("fac.debrief.ratio_detail")),
    card(t("fac.m.discovery"), learning.time_to_discovery_s === null ? DASH : duration(learning.time_to_discovery_s), foundText(learning)),
    card(
      t("fac.debrief.execution_time"),
      execution.started_at === null ? DASH : duration(execution.duration_s),
      execution.adjusted_s === null ? "" : t("fac.debrief.adjusted_detail", { time: duration(execution.adjusted_s) }),
    ),
    card(t("fac.m.vs_predicted"), signedDuration(predictionDifference(execution)), execution.predicted_s === null ? t("fac.debrief.no_prediction") : t("fac.debrief.predicted_detail", { time: duration(execution.predicted_s) })),
  ];
}

// --- charts --------------------------------------------------------------------------------------

function slug(text) {
  return String(text).toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "team";
}

const PRINT_SIZE = { wide: [680, 200], half: [330, 220] };

// A chart in its figure: drawn, drawn again at the size of the printed page (shown only in
// print), and saved as a PNG on request. make(canvas, size) draws it.
function placeChart(figure, make, filename) {
  const canvas = figure.querySelector("canvas");
  const chart = make(canvas, "normal");
  state.charts.push(chart);
  const image = figure.querySelector("img.chart-print");
  if (image) {
    const [width, height] = PRINT_SIZE[figure.classList.contains("wide") ? "wide" : "half"];
    image.src = printImage(make, width, height);
    image.width = width;
    image.height = height;
    image.alt = canvas.getAttribute("aria-label") ?? "";
  }
  figure.querySelector(".save-image").onclick = async () => saveBlob(await chartPng(chart), `${filename}.png`);
  return chart;
}

function showEmpty(figure, empty) {
  figure.classList.toggle("is-empty", empty);
  figure.querySelector(".empty").hidden = !empty;
  figure.querySelector(".chart-box").hidden = empty;
  figure.querySelector(".save-image").hidden = empty;
  const image = figure.querySelector("img.chart-print");
  if (image) image.hidden = empty;
}

function crossingLabels(teamMetrics) {
  return teamMetrics.execution.crossings.map((crossing, index) =>
    state.people ? crossing.name : t("fac.debrief.crossing_n", { n: index + 1 }),
  );
}

function drawTeam(section, teamView, teamMetrics) {
  const { learning, execution } = teamMetrics;
  const base = `electric-maze-${workshopId}-${slug(teamView.name)}`;
  section.id = `team-${teamView.id}`;
  section.dataset.team = teamView.id;
  section.setAttribute("aria-labelledby", `team-${teamView.id}-title`);
  const title = section.querySelector(".team-debrief-name");
  title.id = `team-${teamView.id}-title`;
  title.textContent = teamView.name;
  const badge = section.querySelector(".phase-badge");
  badge.className = `phase-badge phase-${teamView.phase}`;
  badge.textContent = t(`phase.${teamView.phase}`);
  section.querySelector(".outcome").textContent = t("fac.debrief.outcome", {
    players: teamMetrics.players,
    found: foundText(learning),
    length: teamView.path.length,
  });
  section.querySelector(".headline").replaceChildren(...headline(teamMetrics));
  fillTable(section.querySelector('[data-table="learning"] tbody'), learningRows(learning));
  fillTable(section.querySelector('[data-table="execution"] tbody'), executionRows(execution));

  const figure = (name) => section.querySelector(`[data-figure="${name}"]`);
  const learned = learning.started_at !== null;

  const failures = figure("failures");
  showEmpty(failures, !learned);
  failures.querySelector(".chart-data").hidden = !learned;
  failures.querySelector("canvas").setAttribute("aria-label", t("fac.debrief.failures_alt", { team: teamView.name, new: learning.failures.new, repeat: learning.failures.repeat }));
  if (learned) {
    const strip = progressStrip(failures.querySelector("canvas.progress-strip"));
    state.charts.push(strip);
    placeChart(failures, (canvas, size) => {
      const chart = failuresChart(canvas, { size, rates: true });
      setFailures(chart, learning, { minMinutes: 1, timeline: teamMetrics.timeline, strip: size === "print" ? null : strip });
      return chart;
    }, `${base}-failures-per-minute`);
    // The chart's figures, as a table.
    const line = (cells) => {
      const [first, ...rest] = cells;
      const tr = el("tr");
      tr.append(el("th", { text: first, attrs: { scope: "row" } }), ...rest.map((text) => el("td", { className: "num", text })));
      return tr;
    };
    failures.querySelector('[data-figures="learning"] tbody').replaceChildren(...failuresRows(learning).map(line));
    const executed = executionMinuteRows(teamMetrics.timeline).map(line);
    failures.querySelector('[data-figures="execution"]').hidden = executed.length === 0;
    failures.querySelector('[data-figures="execution"] tbody').replaceChildren(...executed);
  }

  const progress = figure("progress");
  showEmpty(progress, !learned);
  const reached = learning.progress.length ? learning.progress[learning.progress.length - 1].progress : 0;
  progress.querySelector("canvas").setAttribute("aria-label", t("fac.debrief.progress_alt", { team: teamView.name, share: percent(reached) }));
  if (learned) placeChart(progress, (canvas, size) => progressChart(canvas, learning, { size }), `${base}-path-progress`);

  const beeps = figure("beeps");
  const heat = heatFrom(learning.beep_map);
  const svg = beeps.querySelector("svg");
  drawMaze(svg, teamView.board, {
    path: teamView.path,
    heat,
    label: t("fac.beeps.alt", { team: teamView.name, count: learning.failures.total }),
  });
  beeps.querySelector(".beep-caption").textContent = t("fac.debrief.beep_caption", { errors: execution.errors });
  beeps.querySelector(".save-image").onclick = async () => saveBlob(await svgToPng(svg), `${base}-beep-map.png`);

  const crossings = figure("crossings");
  const crossed = execution.crossings.length > 0;
  showEmpty(crossings, !crossed);
  crossings.querySelector("canvas").setAttribute("aria-label", t("fac.debrief.crossings_alt", { team: teamView.name, count: execution.crossings.length }));
  if (crossed) {
    placeChart(
      crossings,
      (canvas, size) => crossingsChart(canvas, execution, { labels: crossingLabels(teamMetrics), predicted: execution.predicted_s, size }),
      `${base}-crossings`,
    );
  }

  const prediction = figure("prediction");
  const predicted = execution.predicted_s !== null || execution.started_at !== null;
  showEmpty(prediction, !predicted);
  prediction.querySelector("canvas").setAttribute("aria-label", t("fac.debrief.prediction_alt", { team: teamView.name, predicted: duration(execution.predicted_s), actual: duration(execution.adjusted_s) }));
  if (predicted) {
    placeChart(prediction, (canvas, size) => predictionChart(canvas, [predictionRow(teamView, execution)], { size }), `${base}-prediction`);
  }

  const people = section.querySelector(".people");
  people.hidden = !state.people;
  const rows = Object.values(teamMetrics.people).map((person) => {
    const row = el("tr");
    row.append(
      el("th", { text: person.name, attrs: { scope: "row" } }),
      el("td", { className: "num", text: String(person.turns) }),
      el("td", { className: "num", text: String(person.steps) }),
      el("td", { className: "num", text: String(person.beeps) }),
    );
    return row;
  });
  people.querySelector("tbody").replaceChildren(...rows);
}

function predictionRow(teamView, execution) {
  return {
    label: teamView.name,
    predicted: execution.predicted_s,
    actual: execution.started_at === null ? null : execution.duration_s,
    adjusted: execution.adjusted_s,
  };
}

// --- teams side by side ----------------------------------------------------------------------

function drawComparison(teamViews) {
  const section = $("#compare");
  section.hidden = teamViews.length < 2;
  if (section.hidden) return;
  const head = [el("th", { text: t("fac.debrief.measure"), attrs: { scope: "col" } })];
  for (const teamView of teamViews) head.push(el("th", { className: "num", text: teamView.name, attrs: { scope: "col" } }));
  $("#compare-head").replaceChildren(...head);
  const rows = TEAM_MEASURES.map(([key, value]) => {
    const row = el("tr", { attrs: { "data-measure": key.split(".").pop() } });
    row.append(el("th", { text: t(key), attrs: { scope: "row" } }));
    for (const teamView of teamViews) row.append(el("td", { className: "num", text: value(state.metrics.teams[teamView.id]), attrs: { "data-team": teamView.id } }));
    return row;
  });
  $("#compare-table tbody").replaceChildren(...rows);
  const failures = section.querySelector('[data-figure="compare-failures"]');
  placeChart(
    failures,
    (canvas, size) =>
      teamsFailuresChart(
        canvas,
        teamViews.map((teamView) => ({ label: teamView.name, ...state.metrics.teams[teamView.id].learning.failures })),
        { size },
      ),
    `electric-maze-${workshopId}-failures-by-team`,
  );
  const prediction = section.querySelector('[data-figure="compare-prediction"]');
  placeChart(
    prediction,
    (canvas, size) =>
      predictionChart(
        canvas,
        teamViews.map((teamView) => predictionRow(teamView, state.metrics.teams[teamView.id].execution)),
        { size },
      ),
    `electric-maze-${workshopId}-prediction-by-team`,
  );
}

// --- the whole page ------------------------------------------------------------------------------

function shownTeams() {
  const all = state.view.teams;
  if (state.filter !== "all" && all.some((teamView) => teamView.id === state.filter)) return all.filter((teamView) => teamView.id === state.filter);
  return all;
}

function draw() {
  if (!state.view || !state.metrics || !window.Chart) return;
  state.drawnAt = Date.now();
  for (const chart of state.charts) chart.destroy();
  state.charts = [];
  const view = state.view;
  const running = !view.session.ended;
  document.title = `${view.session.title} · ${t("fac.debrief.page_title")}`;
  $("#workshop-title").textContent = view.session.title;
  const starts = Object.values(state.metrics.teams).map((m) => m.learning.started_at).filter((ts) => ts !== null);
  const meta = [t("fac.debrief.teams_count", { count: view.teams.length })];
  if (starts.length) meta.push(t("fac.debrief.played", { date: dateTime(Math.min(...starts)) }));
  meta.push(running ? t("fac.debrief.running") : t(state.metrics.session.ended_by === "abandoned" ? "fac.debrief.ended_abandoned" : "fac.debrief.ended"));
  $("#workshop-meta").textContent = meta.join(" · ");
  showOutages($("#outages"), state.metrics.session.outages);
  $("#live-note").hidden = !running;
  $("#console-link").href = pageLink(consolePath(), token, { team: state.filter === "all" ? null : state.filter });

  const filter = $("#team-filter");
  $("#team-filter-field").hidden = view.teams.length < 2;
  const options = [el("option", { text: t("fac.debrief.all_teams"), attrs: { value: "all" } })];
  for (const teamView of view.teams) options.push(el("option", { text: teamView.name, attrs: { value: teamView.id } }));
  filter.replaceChildren(...options);
  filter.value = state.filter;
  if (filter.value !== state.filter) filter.value = "all";

  const teamViews = shownTeams();
  drawComparison(teamViews);
  const template = $("#team-template");
  const sections = teamViews.map((teamView) => {
    const section = template.content.firstElementChild.cloneNode(true);
    return { section, teamView };
  });
  $("#teams").replaceChildren(...sections.map(({ section }) => section));
  for (const { section, teamView } of sections) drawTeam(section, teamView, state.metrics.teams[teamView.id]);
  document.body.dataset.people = String(state.people);
  document.body.dataset.ready = "true";
}

// Redraw when the figures change, at most every few seconds while the workshop runs.
function redrawSoon() {
  clearTimeout(state.redrawTimer);
  const wait = Math.max(0, REDRAW_EVERY_MS - (Date.now() - state.drawnAt));
  state.redrawTimer = setTimeout(draw, wait);
}

$("#show-people").addEventListener("change", (event) => {
  state.people = event.target.checked;
  setChoice("people", state.people ? "1" : null);
  draw();
});

$("#team-filter").addEventListener("change", (event) => {
  state.filter = event.target.value;
  setChoice("team", state.filter === "all" ? null : state.filter);
  draw();
});

$("#print").addEventListener("click", () => window.print());

for (const button of document.querySelectorAll("[data-export]")) {
  button.addEventListener("click", async () => {
    const name = button.dataset.export;
    const status = $("#export-status");
    status.textContent = t("fac.export.preparing");
    try {
      await download(token, `/api/workshops/${encodeURIComponent(workshopId)}/export/${name}`, `electric-maze-${workshopId}-${name}`);
      status.textContent = t("fac.export.done", { name });
    } catch {
      status.textContent = t("fac.export.failed");
    }
  });
}

function start() {
  keepLanguageLinks();
  $("#show-people").checked = state.people;
  if (!token) {
    deny("incomplete");
    return;
  }
  state.socket = new ConsoleSocket(workshopId, token, {
    onView(view) {
      const first = state.view === null;
      state.view = view;
      if (first) {
        document.body.dataset.access = "granted";
        $("#gate-text").textContent = t("fac.loading");
      }
      setConnection("online");
    },
    onMetrics(metrics) {
      const first = state.metrics === null;
      state.metrics = metrics;
      if (first) {
        $("#gate").hidden = true;
        $("#app").hidden = false;
        draw();
      } else redrawSoon();
    },
    onState(connection) {
      if (connection !== "online") setConnection(connection);
    },
    onDenied: deny,
  });
  state.socket.start();
}

start();
