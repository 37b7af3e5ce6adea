// The console link is a capability: /facilitate/<workshop>#<token>. The token lives in the
// fragment, which browsers never send to the server; it is then kept on this device, in
// localStorage with the workshop's title and creation time (so the bare console address, a
// new tab or a reload opens the console again, and /facilitate lists the workshop), and goes
// out only in the socket's first message and in Authorization headers. Choices such as the
// team on show live in the query string, so a copied link opens the same view on another
// device. A device without the key can get one for the workshop's recovery code.

import { t } from "./shared.js";

const TOKEN = /^[A-Za-z0-9_-]{16,100}$/;
const WORKSHOPS_KEY = "electric-maze:workshops";

export const workshopId = document.body.dataset.workshop;

// --- the workshops this device runs ---------------------------------------------------------

// id -> {token, title, created_at (seconds)}; {} when storage is refused (private mode).
export function rememberedWorkshops() {
  try {
    const kept = JSON.parse(localStorage.getItem(WORKSHOPS_KEY) ?? "{}");
    return kept && typeof kept === "object" && !Array.isArray(kept) ? kept : {};
  } catch {
    return {};
  }
}

function saveWorkshops(workshops) {
  try {
    localStorage.setItem(WORKSHOPS_KEY, JSON.stringify(workshops));
  } catch {
    // storage refused: the fragment alone must do
  }
}

// Keep (or update) what this device knows of a workshop: any of token, title, created_at.
// Exchanges a recovery code for a key of this device's own (the answer, to be read).
export function askToRecover(workshopId, code) {
  return fetch(`/api/workshops/${encodeURIComponent(workshopId)}/recover`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ recovery_code: code }),
    cache: "no-store",
    credentials: "omit",
  });
}

export function rememberWorkshop(id, details) {
  if (!id) return;
  const workshops = rememberedWorkshops();
  const known = workshops[id] ?? {};
  const merged = { ...known };
  for (const [name, value] of Object.entries(details)) if (value !== undefined && value !== null && value !== "") merged[name] = value;
  if (!TOKEN.test(merged.token ?? "")) return;
  if (typeof merged.created_at !== "number") merged.created_at = Date.now() / 1000;
  workshops[id] = merged;
  saveWorkshops(workshops);
}

export function forgetWorkshop(id) {
  const workshops = rememberedWorkshops();
  delete workshops[id];
  saveWorkshops(workshops);
}

function stored() {
  const token = rememberedWorkshops()[workshopId]?.token;
  return typeof token === "string" && token ? token : null;
}

// A key this device kept before a link brought another: if the link's is refused, it is kept.
let replaced = null;

export function forget() {
  if (replaced) rememberWorkshop(workshopId, { token: replaced });
  else forgetWorkshop(workshopId);
}

// The token, or null when neither the link nor this device has one. A malformed one is
// returned as it is: only the server can say it is wrong, and the page then says the link is
// not valid.
export function readToken() {
  const fragment = decodeURIComponent(location.hash.slice(1)).split(/[&/]/)[0].trim();
  if (fragment) {
    if (TOKEN.test(fragment)) {
      const known = rememberedWorkshops()[workshopId];
      // a different key for the same workshop (a recovered one): the link's wins, unless the
      // server refuses it (forget, below)
      if (known?.token && known.token !== fragment) replaced = known.token;
      rememberWorkshop(workshopId, { token: fragment });
    }
    return fragment;
  }
  const kept = stored();
  if (kept) {
    history.replaceState(history.state, "", `${location.pathname}${location.search}#${kept}`);
    return kept;
  }
  return null;
}

// --- a key for this device, for the workshop's recovery code ---------------------------------

function offerRecovery() {
  const form = document.getElementById("recovery");
  if (!form || form.dataset.ready) {
    if (form) form.hidden = false;
    return;
  }
  form.dataset.ready = "true";
  form.hidden = false;
  const input = document.getElementById("recovery-code");
  const error = document.getElementById("recovery-error");
  const button = document.getElementById("recovery-submit");
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const code = input.value.trim();
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    if (!code) {
      error.textContent = t("fac.recovery.empty");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    button.disabled = true;
    try {
      const response = await askToRecover(workshopId, code);
      if (response.ok) {
        const answer = await response.json();
        rememberWorkshop(workshopId, { token: answer.facilitator_token, title: answer.title, created_at: answer.created_at });
        history.replaceState(history.state, "", `${location.pathname}${location.search}`);
        location.reload();
        return;
      }
      if (response.status === 429) {
        const wait = Number(response.headers.get("retry-after")) || 60;
        error.textContent = t("fac.recovery.blocked", { s: wait });
      } else if (response.status === 422) {
        error.textContent = t("fac.recovery.malformed");
      } else {
        error.textContent = t("fac.recovery.wrong");
      }
      input.setAttribute("aria-invalid", "true");
      input.focus();
    } catch {
      error.textContent = t("fac.error.offline");
    } finally {
      button.disabled = false;
    }
  });
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
  if (reason === "incomplete" || reason === "invalid") offerRecovery();
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
