// The library's login form: the password goes to /api/library/login, which sets a cookie;
// the page then reloads as the library (or the replay or comparison that was asked for).

import { t } from "../../js/shared.js";
import { request } from "./api.js";

const form = document.getElementById("login-form");
const input = document.getElementById("password");
const error = document.getElementById("login-error");
const button = document.getElementById("login-button");

const REFUSALS = { 401: "lib.login.wrong", 429: "lib.login.blocked", 403: "lib.login.closed" };

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!input.value) {
    error.textContent = t("lib.login.missing");
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  button.disabled = true;
  error.textContent = "";
  try {
    await request("/api/library/login", { method: "POST", body: { password: input.value } });
    location.reload();
  } catch (refusal) {
    error.textContent = t(REFUSALS[refusal.status] ?? "lib.login.failed");
    input.setAttribute("aria-invalid", "true");
    input.select();
    button.disabled = false;
  }
});

input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
input.focus();
