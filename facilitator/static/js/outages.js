// The times the server was away, as the engine recorded them (the facilitator view's and the
// metrics' `outages`): one line each. No clock counted them; the page only says so.

import { t } from "./shared.js";
import { el } from "./dom.js";
import { duration, timeOfDay } from "./format.js";

export function outageText({ since, until, seconds }) {
  return t("fac.outage.line", { time: duration(seconds), from: timeOfDay(since), to: timeOfDay(until) });
}

// Fill `box` with a line per outage; hidden when there was none.
export function showOutages(box, outages) {
  const list = outages ?? [];
  box.hidden = list.length === 0;
  box.replaceChildren(...list.map((outage) => el("p", { text: outageText(outage) })));
}
