// The console link is a capability: /facilitate/<workshop>#<token>. The token lives in the
// fragment, which browsers never send to the server, then in this tab's sessionStorage (so a
// language switch or a reload keeps it), and goes out only in the socket's first message and
// in Authorization headers. Choices such as the team on show live in the query string, so a
// copied link opens the same view on another device.

import { t } from "./shared.js";

const TOKEN = /^[A-Za-z0-9_-]{16,100}$/;

export const workshopId = document.body.dataset.workshop;
const storageKey = `electric-maze:facilitator:${workshopId}`;

function stored() {
  try {
    return sessionStorage.getItem(storageKey);
  } catch {
    return null; // storage refused (private mode): the fragment alone must do
  }
}

function store(token) {
  try {
    sessionStorage.setItem(storageKey, token);
  } catch {
    // as above
  }
}

export function forget() {
  try {
    sessionStorage.removeItem(storageKey);
  } catch {
    // as above
  }
}

// The token, or null when the link has none. A malformed one is returned as it is: only the
// server can say it is wrong, and the page then says the link is not valid.
export function readToken() {
  const fragment = decodeURIComponent(location.hash.slice(1)).split(/[&/]/)[0].trim();
  if (fragment) {
    if (TOKEN.test(fragment)) store(fragment);
    return fragment;
  }
  const kept = stored();
  if (kept) {
    history.replaceState(history.state, "", `${location.pathname}${location.search}#${kept}`);
    return kept;
  }
  return null;
}

// The page says why it shows nothing: the link is incomplete, not valid, or refused for now.
const REFUSALS = {
  incomplete: ["fac.access.incomplete_title", "fac.access.incomplete"],
  invalid: ["fac.access.invalid_title", "fac.access.invalid"],
  not_found: ["fac.access.invalid_title", "fac.access.not_found"],
  blocked: ["fac.access.blocked_title", "fac.access.blocked"],
};

export function showRefusal(reason) {
  if (reason === "invalid") forget();
  const [title, text] = REFUSALS[reason];
  document.getElementById("denied-title").textContent = t(title);
  document.getElementById("denied-text").textContent = t(text);
  document.body.dataset.access = "denied";
  document.getElementById("gate").hidden = true;
  document.getElementById("app").hidden = true;
  document.getElementById("denied").hidden = false;
  document.title = `${t(title)} · ${t("app.name")}`;
}

// --- what the page shows, kept in the query string ----------------------------------------

export function getChoice(name) {
  return new URLSearchParams(location.search).get(name);
}

export function setChoice(name, value) {
  const params = new URLSearchParams(location.search);
  if (value === null || value === undefined || value === "") params.delete(name);
  else params.set(name, value);
  params.delete("lang");
  const query = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
  keepLanguageLinks();
}

// The language links of the shared header go to ?lang=xx: keep the view and the token too.
export function keepLanguageLinks() {
  for (const link of document.querySelectorAll("#language a[hreflang]")) {
    const params = new URLSearchParams(location.search);
    params.set("lang", link.hreflang);
    link.href = `${location.pathname}?${params}${location.hash}`;
  }
}

export function pageLink(path, token, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ""));
  const search = query.toString();
  return `${path}${search ? `?${search}` : ""}#${token}`;
}

export function consolePath() {
  return `/facilitate/${encodeURIComponent(workshopId)}`;
}

export function debriefPath() {
  return `${consolePath()}/debrief`;
}

// --- the HTTP side, with the token in the Authorization header ----------------------------

export async function authorised(token, path) {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${token}` },
    cache: "no-store",
    credentials: "omit",
  });
  if (!response.ok) {
    const error = new Error(`${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return response;
}

export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// Saved under the name the server gives (its day and title), or `fallback` without one.
export async function download(token, path, fallback) {
  const response = await authorised(token, path);
  saveBlob(await response.blob(), attachmentName(response) ?? fallback);
}

function attachmentName(response) {
  const disposition = response.headers.get("content-disposition") ?? "";
  return /filename="([^"]+)"/.exec(disposition)?.[1] ?? null;
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
