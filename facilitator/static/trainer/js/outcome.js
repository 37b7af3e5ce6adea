// How a team's session ended, in one word the library filters on and shows with an icon.

export const OUTCOMES = {
  complete: "✓",
  found: "✓",
  not_found: "✕",
  running: "●",
  not_played: "–",
};

export function outcome(team, ended) {
  if (team.path_found) return team.execution_complete ? "complete" : "found";
  const played = team.learning_s > 0 || team.failures > 0;
  if (!ended) return "running";
  return played ? "not_found" : "not_played";
}

// A filter value matches an outcome: "found" takes the teams who went on to cross too.
export function matches(filter, value) {
  if (!filter) return true;
  if (filter === "found") return value === "found" || value === "complete";
  return filter === value;
}
