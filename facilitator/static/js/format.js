// How numbers and times read: durations as m:ss, times of day in the viewer's locale.

import { clock, lang, t } from "./shared.js";

// The viewer's own locale (en-GB, es-MX…) when it is of the page's language, for their
// conventions of time and number; the page's language otherwise.
const locale = (navigator.languages ?? []).find((tag) => tag.toLowerCase().split("-")[0] === lang) ?? lang;
const percentFormat = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
const timeFormat = new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit", second: "2-digit" });
const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
const numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });

export const DASH = "–";

export function duration(seconds) {
  return seconds === null || seconds === undefined ? DASH : clock(seconds);
}

// Short spans read better in seconds: "0.8 s"; a minute or more as m:ss.
export function shortDuration(seconds) {
  if (seconds === null || seconds === undefined) return DASH;
  return seconds < 60 ? `${numberFormat.format(seconds)} s` : clock(seconds);
}

export function countdown(seconds) {
  return clock(seconds, { countdown: true });
}

// +1:05 slower, −0:20 faster: the sign says which.
export function signedDuration(seconds) {
  if (seconds === null || seconds === undefined) return DASH;
  const sign = seconds > 0.5 ? "+" : seconds < -0.5 ? "−" : "±";
  return `${sign}${clock(Math.abs(seconds))}`;
}

export function percent(share) {
  return share === null || share === undefined ? DASH : percentFormat.format(share);
}

export function number(value) {
  return value === null || value === undefined ? DASH : numberFormat.format(value);
}

export function timeOfDay(ts) {
  return timeFormat.format(new Date(ts * 1000));
}

export function dateTime(ts) {
  return dateFormat.format(new Date(ts * 1000));
}

// "1:30", "90" or "1m30" as seconds; null when it cannot be read.
export function parseDuration(text) {
  const value = String(text).trim();
  let match = /^(\d{1,3}):([0-5]?\d)$/.exec(value);
  if (match) return Number(match[1]) * 60 + Number(match[2]);
  match = /^(\d{1,4})$/.exec(value);
  if (match) return Number(match[1]);
  match = /^(?:(\d{1,3})\s*m(?:in)?)?\s*(?:(\d{1,2})\s*s)?$/i.exec(value);
  if (match && (match[1] || match[2])) return Number(match[1] || 0) * 60 + Number(match[2] || 0);
  return null;
}

export function penaltyName(kind) {
  const key = `penalty.${kind}`;
  const text = t(key);
  return text === key ? kind.replaceAll("_", " ") : text;
}
