// The library: every past workshop with its teams' headline measures; search and filters
// (kept in the address, so a link shows the same list); delete with a confirmation; import a
// log file, refused with its line and reason; download each log; pick teams to compare.

import { t } from "../../js/shared.js";
import { $, el } from "../../js/dom.js";
import { dateTime, duration, percent, DASH } from "../../js/format.js";
import { request, workshopPath, replayPage, comparePage, setPageState, keepLanguageLinks, logOut } from "./api.js";
import { OUTCOMES, outcome, matches } from "./outcome.js";

const MAX_FILE_BYTES = 50 * 1024 * 1024;
const PICKS_KEY = "electric-maze:library:compare";

const state = {
  workshops: [],
  picks: new Set(loadPicks()),
  fresh: null, // the workshop just imported, shown highlighted
};

function loadPicks() {
  try {
    return JSON.parse(sessionStorage.getItem(PICKS_KEY) ?? "[]");
  } catch {
    return [];
  }
}

function savePicks() {
  try {
    sessionStorage.setItem(PICKS_KEY, JSON.stringify([...state.picks]));
  } catch {
    // storage refused: the choice lasts as long as the page
  }
}

// A line above the list that says what an action did (a deletion), to see as well as to hear.
function notify(text, { error = false } = {}) {
  const notice = $("#library-notice");
  notice.classList.toggle("is-error", error);
  notice.textContent = text;
}

// --- filters -------------------------------------------------------------------------------

const fields = { q: "#filter-text", from: "#filter-from", to: "#filter-to", outcome: "#filter-outcome" };

function fold(text) {
  return String(text).normalize("NFD").replace(/\p{Diacritic}/gu, "").toLocaleLowerCase();
}

function filters() {
  return Object.fromEntries(Object.entries(fields).map(([name, selector]) => [name, $(selector).value.trim()]));
}

function localDay(value, endOfDay) {
  const [year, month, day] = value.split("-").map(Number);
  if (!year || !month || !day) return null;
  return endOfDay ? new Date(year, month - 1, day, 23, 59, 59, 999) : new Date(year, month - 1, day);
}

function shown(workshop, chosen) {
  if (chosen.q) {
    const words = fold(chosen.q).split(/\s+/).filter(Boolean);
    const haystack = fold([workshop.title, workshop.workshop_id, ...workshop.teams.map((team) => team.name)].join(" "));
    if (!words.every((word) => haystack.includes(word))) return false;
  }
  const created = new Date(workshop.created_at * 1000);
  const from = chosen.from ? localDay(chosen.from, false) : null;
  const to = chosen.to ? localDay(chosen.to, true) : null;
  if (from && created < from) return false;
  if (to && created > to) return false;
  if (chosen.outcome) return workshop.teams.some((team) => matches(chosen.outcome, outcome(team, workshop.ended)));
  return true;
}

function keepFiltersInAddress(chosen) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(chosen)) if (value) params.set(name, value);
  const query = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}`);
  keepLanguageLinks();
}

function readFiltersFromAddress() {
  const params = new URLSearchParams(location.search);
  for (const [name, selector] of Object.entries(fields)) {
    const value = params.get(name);
    if (value) $(selector).value = value;
  }
}

// --- the list --------------------------------------------------------------------------------

function pickKey(workshop, team) {
  return `${workshop.workshop_id}:${team.team_id}`;
}

function outcomeCell(team, ended) {
  const value = outcome(team, ended);
  const cell = el("td", { className: `outcome outcome-${value}` });
  const shown = el("span", { className: "outcome-value" });
  shown.append(el("span", { className: "outcome-icon", text: OUTCOMES[value], attrs: { "aria-hidden": "true" } }), t(`lib.outcome.${value}`));
  cell.append(shown);
  return cell;
}

function pair(raw, adjusted) {
  if (raw === null || raw === undefined) return DASH;
  return `${duration(raw)} / ${duration(adjusted)}`;
}

function teamRow(workshop, team) {
  const row = el("tr", { attrs: { "data-team": team.team_id } });
  // Each cell carries its column's name, which narrow screens show beside it.
  const cell = (label, text) => el("td", { className: "num", text, attrs: { "data-label": label } });
  const outcomeShown = outcomeCell(team, workshop.ended);
  outcomeShown.dataset.label = t("lib.col.outcome");
  row.append(
    el("th", { text: team.name, attrs: { scope: "row" } }),
    outcomeShown,
    cell(t("fac.m.players"), String(team.players)),
    cell(t("lib.col.learning"), team.learning_s ? pair(team.learning_s, team.learning_adjusted_s) : DASH),
    cell(t("fac.m.failures"), String(team.failures)),
    cell(t("fac.m.ratio"), percent(team.learning_ratio)),
    cell(t("lib.col.execution"), team.execution_s ? pair(team.execution_s, team.execution_adjusted_s) : DASH),
  );
  const actionsCell = el("td", { className: "actions-cell" });
  const actions = el("div", { className: "row-actions" });
  actionsCell.append(actions);
  const replay = el("a", {
    className: "button-link secondary small",
    text: t("lib.replay_short"),
    attrs: { href: replayPage(workshop.workshop_id, { team: team.team_id }), "aria-label": t("lib.replay_team", { team: team.name, title: workshop.title }) },
  });
  const key = pickKey(workshop, team);
  const id = `pick-${workshop.workshop_id}-${team.team_id}`.replace(/[^A-Za-z0-9_-]/g, "_");
  const check = el("div", { className: "check compare-pick" });
  const box = el("input", { attrs: { type: "checkbox", id, "data-pick": key } });
  box.checked = state.picks.has(key);
  box.addEventListener("change", () => {
    if (box.checked) state.picks.add(key);
    else state.picks.delete(key);
    savePicks();
    renderCompareBar();
  });
  const label = el("label", { attrs: { for: id } });
  label.append(t("lib.compare.pick"), el("span", { className: "visually-hidden", text: ` ${team.name}, ${workshop.title}` }));
  check.append(box, label);
  actions.append(replay, check);
  row.append(actionsCell);
  return row;
}

function workshopItem(workshop) {
  const item = $("#workshop-template").content.firstElementChild.cloneNode(true);
  item.dataset.workshop = workshop.workshop_id;
  item.classList.toggle("is-fresh", workshop.workshop_id === state.fresh);
  const titleId = `workshop-${workshop.workshop_id}-title`;
  item.setAttribute("aria-labelledby", titleId);
  const title = item.querySelector(".workshop-title");
  title.id = titleId;
  title.textContent = workshop.title;
  const date = item.querySelector(".workshop-date");
  date.dateTime = new Date(workshop.created_at * 1000).toISOString();
  date.textContent = dateTime(workshop.created_at);
  const facts = [
    t("fac.debrief.teams_count", { count: workshop.teams.length }),
    t("lib.events_count", { count: workshop.events }),
    workshop.ended ? t("fac.debrief.ended") : t("fac.debrief.running"),
  ];
  if (workshop.imported) facts.push(t("lib.imported"));
  facts.push(t("lib.workshop_id", { id: workshop.workshop_id }));
  item.querySelector(".workshop-facts").textContent = ` · ${facts.join(" · ")}`;

  const replay = item.querySelector(".replay-link");
  replay.href = replayPage(workshop.workshop_id);
  replay.textContent = t("lib.replay");
  replay.setAttribute("aria-label", t("lib.replay_named", { title: workshop.title }));
  const compare = item.querySelector(".compare-all");
  compare.hidden = workshop.teams.length < 2;
  compare.href = comparePage([workshop.workshop_id]);
  compare.textContent = t("lib.compare.teams");
  compare.setAttribute("aria-label", t("lib.compare.teams_named", { title: workshop.title }));
  const download = item.querySelector(".download-link");
  download.href = `${workshopPath(workshop.workshop_id)}/file`;
  download.textContent = t("lib.download");
  download.setAttribute("aria-label", t("lib.download_named", { title: workshop.title }));
  const remove = item.querySelector(".delete-button");
  remove.textContent = t("lib.delete.button");
  remove.setAttribute("aria-label", t("lib.delete.named", { title: workshop.title }));
  remove.addEventListener("click", () => confirmDelete(workshop, remove));

  item.querySelector(".team-table tbody").replaceChildren(...workshop.teams.map((team) => teamRow(workshop, team)));
  return item;
}

function render() {
  const chosen = filters();
  keepFiltersInAddress(chosen);
  const visible = state.workshops.filter((workshop) => shown(workshop, chosen));
  const any = state.workshops.length > 0;
  $("#empty").hidden = any;
  $("#no-match").hidden = !any || visible.length > 0;
  $("#workshops").replaceChildren(...visible.map(workshopItem));
  $("#results-count").textContent = any ? t("lib.results.count", { shown: visible.length, count: state.workshops.length }) : "";
  setPageState(any ? "ready" : "empty");
  renderCompareBar();
}

function renderCompareBar() {
  const known = new Set(state.workshops.flatMap((workshop) => workshop.teams.map((team) => pickKey(workshop, team))));
  for (const key of [...state.picks]) if (!known.has(key)) state.picks.delete(key);
  const count = state.picks.size;
  $("#compare-bar").hidden = count === 0;
  $("#compare-count").textContent = t("lib.compare.count", { count });
  $("#compare-open").disabled = count < 2;
  $("#compare-open").title = count < 2 ? t("lib.compare.need_two") : "";
}

async function load() {
  setPageState("loading");
  $("#loading").hidden = false;
  $("#load-error").hidden = true;
  try {
    state.workshops = await request("/api/library/workshops");
    $("#loading").hidden = true;
    render();
  } catch (error) {
    if (error.status === 401) return;
    $("#loading").hidden = true;
    $("#load-error").hidden = false;
    setPageState("error");
  }
}

// --- delete ---------------------------------------------------------------------------------

function confirmDelete(workshop, opener) {
  const dialog = $("#delete-dialog");
  $("#delete-title").textContent = t("lib.delete.title", { title: workshop.title });
  $("#delete-text").textContent = t("lib.delete.text", { date: dateTime(workshop.created_at), count: workshop.events });
  dialog.returnValue = "";
  dialog.showModal();
  dialog.addEventListener(
    "close",
    async () => {
      if (dialog.returnValue !== "ok") {
        opener.focus();
        return;
      }
      try {
        await request(workshopPath(workshop.workshop_id), { method: "DELETE" });
        state.workshops = state.workshops.filter((other) => other.workshop_id !== workshop.workshop_id);
        if (state.fresh === workshop.workshop_id) {
          // the import's message would point at what is gone
          state.fresh = null;
          $("#import-status").replaceChildren();
        }
        render();
        notify(t("lib.delete.done", { title: workshop.title }));
        $("#results-title").setAttribute("tabindex", "-1");
        $("#results-title").focus();
      } catch (error) {
        if (error.status === 404) {
          state.workshops = state.workshops.filter((other) => other.workshop_id !== workshop.workshop_id);
          render();
        }
        notify(t("lib.delete.failed", { title: workshop.title }), { error: true });
      }
    },
    { once: true },
  );
}

// --- import ---------------------------------------------------------------------------------

function refusalText(error) {
  const detail = error.detail;
  if (detail && typeof detail === "object" && detail.line) return t("lib.import.refused_line", { line: detail.line, reason: detail.reason });
  if (error.status === 413) return t("lib.import.too_big");
  if (typeof detail === "string" && detail) return detail;
  return t("lib.import.failed");
}

function showRefusal(name, text) {
  const box = $("#import-error");
  box.replaceChildren(
    el("p", { className: "refusal-title", text: t("lib.import.refused_title", { name }) }),
    el("p", { className: "refusal-reason", text }),
    el("p", { className: "refusal-note", text: t("lib.import.nothing_saved") }),
  );
  $("#import-file").setAttribute("aria-invalid", "true");
}

function clearImportErrors() {
  $("#import-error").replaceChildren();
  $("#import-file-error").textContent = "";
  $("#import-file").removeAttribute("aria-invalid");
}

async function importFile(event) {
  event.preventDefault();
  const input = $("#import-file");
  const file = input.files?.[0];
  clearImportErrors();
  notify("");
  $("#import-status").replaceChildren();
  if (!file) {
    $("#import-file-error").textContent = t("lib.import.choose");
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  if (file.size > MAX_FILE_BYTES) {
    showRefusal(file.name, t("lib.import.too_big"));
    return;
  }
  const button = $("#import-button");
  button.disabled = true;
  $("#import-status").textContent = t("lib.import.working", { name: file.name });
  try {
    const answer = await request("/api/library/import", { method: "POST", body: new Blob([await file.arrayBuffer()], { type: "application/x-ndjson" }) });
    state.fresh = answer.workshop_id;
    input.value = "";
    await load();
    const imported = state.workshops.find((workshop) => workshop.workshop_id === answer.workshop_id);
    const status = $("#import-status");
    status.replaceChildren(
      t(answer.already_in_library ? "lib.import.already" : "lib.import.done", { title: imported?.title ?? file.name }),
      " ",
      el("a", { text: t("lib.import.replay_it"), attrs: { href: replayPage(answer.workshop_id) } }),
    );
    if (answer.checksum === false) status.append(" ", t("lib.import.no_checksum"));
  } catch (error) {
    $("#import-status").textContent = "";
    if (error.status !== 401) showRefusal(file.name, refusalText(error));
  } finally {
    button.disabled = false;
  }
}

// --- start ----------------------------------------------------------------------------------

function clearFilters() {
  for (const selector of Object.values(fields)) $(selector).value = "";
  render();
  $("#filter-text").focus();
}

readFiltersFromAddress();
$("#filters").addEventListener("input", () => state.workshops.length && render());
$("#filters").addEventListener("submit", (event) => event.preventDefault());
$("#filters").addEventListener("reset", (event) => {
  event.preventDefault();
  clearFilters();
});
$("#no-match-clear").addEventListener("click", clearFilters);
$("#import-form").addEventListener("submit", importFile);
$("#import-file").addEventListener("change", clearImportErrors);
$("#retry").addEventListener("click", load);
$("#logout").addEventListener("click", logOut);
$("#compare-clear").addEventListener("click", () => {
  state.picks.clear();
  savePicks();
  for (const box of document.querySelectorAll("[data-pick]")) box.checked = false;
  renderCompareBar();
});
$("#compare-open").addEventListener("click", () => {
  if (state.picks.size >= 2) location.href = comparePage([...state.picks]);
});
keepLanguageLinks();
load();
