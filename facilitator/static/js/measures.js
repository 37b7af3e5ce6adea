// The team measures as text, and the list of them that the debrief's teams side by side and
// the trainers' comparison both show: one list, so both tables say the same things.

import { t } from "./shared.js";
import { duration, shortDuration, signedDuration, percent, penaltyName, DASH } from "./format.js";

export function penaltiesText(byKind) {
  const entries = Object.entries(byKind ?? {});
  if (!entries.length) return t("fac.debrief.none");
  return entries.map(([kind, tally]) => t("fac.debrief.penalty_tally", { kind: penaltyName(kind), count: tally.count, time: duration(tally.seconds) })).join("; ");
}

export function huddlesText(huddles) {
  if (!huddles?.count) return t("fac.debrief.none");
  return t("fac.debrief.huddle_tally", { count: huddles.count, time: duration(huddles.seconds) });
}

// Adjusted against predicted, from the two times as they are shown (whole seconds, down): so
// that a prediction of 1:30 against 1:24 reads −0:06, which is what the reader works out.
export function predictionDifference(execution) {
  if (execution.adjusted_s === null || execution.adjusted_s === undefined) return null;
  if (execution.predicted_s === null || execution.predicted_s === undefined) return null;
  return Math.floor(execution.adjusted_s) - Math.floor(execution.predicted_s);
}

export function comparison(execution) {
  const difference = predictionDifference(execution);
  if (difference === null) return DASH;
  const key = difference > 0 ? "fac.debrief.slower" : difference < 0 ? "fac.debrief.faster" : "fac.debrief.on_time";
  return `${signedDuration(difference)} (${t(key)})`;
}

// [translation key, (a team's metrics) => text], in reading order.
export const TEAM_MEASURES = [
  ["fac.m.players", (m) => String(m.players)],
  ["fac.debrief.learning_time", (m) => duration(m.learning.duration_s)],
  ["fac.debrief.learning_adjusted", (m) => duration(m.learning.adjusted_s)],
  ["fac.m.first_beep", (m) => duration(m.learning.time_to_first_beep_s)],
  ["fac.m.discovery", (m) => (m.learning.time_to_discovery_s === null ? DASH : duration(m.learning.time_to_discovery_s))],
  ["fac.m.failures", (m) => String(m.learning.failures.total)],
  ["fac.m.new", (m) => String(m.learning.failures.new)],
  ["fac.m.repeat", (m) => String(m.learning.failures.repeat)],
  ["fac.m.ratio", (m) => percent(m.learning.learning_ratio)],
  ["fac.m.turns", (m) => String(m.learning.turns)],
  ["fac.m.steps", (m) => String(m.learning.steps)],
  ["fac.m.hesitation_median", (m) => shortDuration(m.learning.hesitation.median_s)],
  ["fac.m.idle", (m) => String(m.learning.idle_timeouts)],
  ["fac.m.huddles", (m) => huddlesText(m.learning.huddles)],
  ["fac.m.penalties", (m) => penaltiesText(m.learning.penalties)],
  ["fac.debrief.execution_time", (m) => (m.execution.started_at === null ? DASH : duration(m.execution.duration_s))],
  ["fac.m.errors", (m) => String(m.execution.errors)],
  ["fac.debrief.execution_adjusted", (m) => duration(m.execution.adjusted_s)],
  ["fac.m.predicted", (m) => duration(m.execution.predicted_s)],
  ["fac.m.vs_predicted", (m) => comparison(m.execution)],
];
