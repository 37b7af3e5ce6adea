// The translation layer for the pages' scripts: the catalogue the server chose for this page
// (the same JSON files the templates use), with {placeholders} and one/other plurals.

const element = document.getElementById("i18n-catalogue");
const catalogue = element ? JSON.parse(element.textContent) : {};

export const lang = document.documentElement.lang || "en";
const plurals = new Intl.PluralRules(lang);

export function t(key, params = {}) {
  let text = catalogue[key];
  if (typeof params.count === "number") {
    const plural = catalogue[`${key}.${plurals.select(params.count)}`];
    if (plural !== undefined) text = plural;
  }
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function has(key) {
  return key in catalogue;
}

// Durations as m:ss. Countdowns round up, so that 0:00 means the time is really up.
export function clock(seconds, { countdown = false } = {}) {
  const value = Number.isFinite(seconds) ? Math.max(0, seconds) : 0;
  const whole = countdown ? Math.ceil(value - 1e-6) : Math.floor(value);
  const minutes = Math.floor(whole / 60);
  const rest = String(whole % 60).padStart(2, "0");
  return `${minutes}:${rest}`;
}

// A square as people name it, counting from 1: "Row 2, column 3" on its own, "row 2,
// column 3" inside a sentence.
export function squareName([row, col], { inSentence = false } = {}) {
  return t(inSentence ? "square.place" : "square.name", { row: row + 1, col: col + 1 });
}
