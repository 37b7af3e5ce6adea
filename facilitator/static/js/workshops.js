// /facilitate: the workshops this device keeps the key of (in localStorage, so the server
// cannot list them: the page does), each with its console and debrief, and a way to forget
// one; and a key for a workshop set up on another device, for its recovery code.

import { t } from "./shared.js";
import { askToRecover, rememberedWorkshops, rememberWorkshop, forgetWorkshop } from "./access.js";
import { dateTime } from "./format.js";
import { $, el } from "./dom.js";

function render() {
  const workshops = Object.entries(rememberedWorkshops())
    .filter(([, known]) => typeof known?.token === "string")
    .sort(([, a], [, b]) => (b.created_at ?? 0) - (a.created_at ?? 0));
  const items = workshops.map(([id, known]) => {
    const path = `/facilitate/${encodeURIComponent(id)}`;
    const title = known.title || t("app.name");
    const name = el("div", { className: "workshop-name" });
    name.append(el("strong", { text: title }), el("span", { className: "hint", text: typeof known.created_at === "number" ? dateTime(known.created_at) : "" }));
    const actions = el("div", { className: "workshop-actions" });
    const open = el("a", { className: "button-link primary", text: t("fac.workshops.open"), attrs: { href: path, "aria-label": `${t("fac.workshops.open")}: ${title}` } });
    const debrief = el("a", { className: "button-link secondary", text: t("fac.workshops.debrief"), attrs: { href: `${path}/debrief`, "aria-label": `${t("fac.workshops.debrief")}: ${title}` } });
    const drop = el("button", { className: "secondary", text: t("fac.workshops.forget"), attrs: { type: "button", "aria-label": `${t("fac.workshops.forget")}: ${title}` } });
    drop.addEventListener("click", () => {
      if (!window.confirm(t("fac.workshops.forget_confirm", { title }))) return;
      forgetWorkshop(id);
      render();
      $("#list-status").textContent = t("fac.workshops.forgotten", { title });
    });
    actions.append(open, debrief, drop);
    const item = el("li", { attrs: { "data-workshop": id } });
    item.append(name, actions);
    return item;
  });
  $("#workshop-list").replaceChildren(...items);
  $("#workshop-list").hidden = items.length === 0;
  $("#no-workshops").hidden = items.length > 0;
  document.body.dataset.workshops = items.length ? "listed" : "none";
}

// A workshop id, from the id itself or any link to its console or debrief.
function workshopFrom(text) {
  const typed = text.trim();
  const match = /\/facilitate\/([A-Za-z0-9_-]{1,64})/.exec(typed);
  if (match) return match[1];
  return /^[A-Za-z0-9_-]{1,64}$/.test(typed) ? typed : null;
}

$("#recover-form").addEventListener("submit", async (submitted) => {
  submitted.preventDefault();
  const error = $("#recover-error");
  const button = $("#recover-submit");
  error.textContent = "";
  const id = workshopFrom($("#recover-workshop").value);
  const code = $("#recover-code").value.trim();
  if (!id) {
    error.textContent = t("fac.workshops.recover_no_workshop");
    $("#recover-workshop").focus();
    return;
  }
  if (!code) {
    error.textContent = t("fac.recovery.empty");
    $("#recover-code").focus();
    return;
  }
  button.disabled = true;
  try {
    const response = await askToRecover(id, code);
    if (response.ok) {
      const answer = await response.json();
      rememberWorkshop(id, { token: answer.facilitator_token, title: answer.title, created_at: answer.created_at });
      location.assign(`/facilitate/${encodeURIComponent(id)}`);
      return;
    }
    if (response.status === 429) {
      error.textContent = t("fac.recovery.blocked", { s: Number(response.headers.get("retry-after")) || 60 });
    } else if (response.status === 422) {
      error.textContent = t("fac.recovery.malformed");
    } else {
      error.textContent = t("fac.workshops.recover_wrong");
    }
  } catch {
    error.textContent = t("fac.error.offline");
  } finally {
    button.disabled = false;
  }
});

window.addEventListener("storage", render); // another tab remembered or forgot one
render();
