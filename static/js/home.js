// The home page: the join code is read as people type it (any case, spaces, dashes) and the
// form goes on to the team's page, where the nickname joins at once.

import { t } from "./i18n.js";

const CODE_LENGTH = 6;
const form = document.getElementById("join-form");
const codeInput = document.getElementById("join-code");
const nameInput = document.getElementById("nickname");
const error = document.getElementById("join-error");

function normalise(code) {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

function fail(message, field) {
  error.textContent = message;
  field.setAttribute("aria-invalid", "true");
  field.focus();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  error.textContent = "";
  codeInput.removeAttribute("aria-invalid");
  nameInput.removeAttribute("aria-invalid");
  const code = normalise(codeInput.value);
  const name = nameInput.value.trim();
  if (code.length === 0) return fail(t("error.code_missing"), codeInput);
  if (code.length !== CODE_LENGTH) return fail(t("error.code_length", { count: CODE_LENGTH }), codeInput);
  if (name.length === 0) return fail(t("error.name_missing"), nameInput);
  const query = new URLSearchParams({ name });
  window.location.assign(`/join/${encodeURIComponent(code)}?${query}`);
});
