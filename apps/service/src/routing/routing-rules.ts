import type { CaseCategoryV1, CaseChannelV1, CasePriorityV1 } from '@rapport/contracts';

export interface RoutableCase {
  category: CaseCategoryV1;
  priority: CasePriorityV1;
  channel: CaseChannelV1;
  tier: string | null;
}

export interface RuleConditions {
  queueId: string;
  category: string | null;
  priority: string | null;
  channel: string | null;
  tier: string | null;
}

/** The queue of the first rule (callers pass them in evaluation order) whose set conditions all hold; else the default. */
export function chooseQueue(c: RoutableCase, rules: RuleConditions[], defaultQueueId: string | null): string | null {
  const hit = rules.find(
    (r) =>
      (r.category == null || r.category === c.category) &&
      (r.priority == null || r.priority === c.priority) &&
      (r.channel == null || r.channel === c.channel) &&
      (r.tier == null || (c.tier != null && r.tier.toLowerCase() === c.tier.toLowerCase())),
  );
  return hit ? hit.queueId : defaultQueueId;
}

export interface Candidate {
  agentId: string;
  openCases: number;
}

/**
 * Picks the agent among the available members (sorted by agent id).
 * ROUND_ROBIN: the member after the one assigned last (wrapping round).
 * LEAST_OPEN: the fewest open cases; ties go round-robin too, so equal load spreads.
 */
export function pickAgent(strategy: 'ROUND_ROBIN' | 'LEAST_OPEN', members: Candidate[], lastAssigned: string | null): string | null {
  if (members.length === 0) return null;
  const sorted = [...members].sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));
  const pool = strategy === 'LEAST_OPEN' ? sorted.filter((m) => m.openCases === Math.min(...sorted.map((x) => x.openCases))) : sorted;
  const next = lastAssigned === null ? undefined : pool.find((m) => m.agentId > lastAssigned);
  return (next ?? pool[0]).agentId;
}
