// The two phase timers as the protocol defines them: a phase's running time is (its end, or
// the start of the pause under way, or now) − its start − the time already paused; the
// adjusted time adds what the view says the phase's penalties add. `now` is the server's
// clock (its `now` in the last message plus the time elapsed here since).

export function phaseSeconds(team, phase, now) {
  const clock = team[phase];
  if (!clock || clock.started_at === null) return 0;
  const end = clock.ended_at ?? team.paused_since ?? now;
  return Math.max(0, end - clock.started_at - clock.paused_s);
}

export function adjustedSeconds(team, phase, now) {
  return phaseSeconds(team, phase, now) + (team.penalty_s?.[phase] ?? 0);
}

// The learning phase is open but its clock waits for the first step.
export function waitingForFirstStep(team) {
  return team.phase === "learning" && team.learning.started_at === null;
}
