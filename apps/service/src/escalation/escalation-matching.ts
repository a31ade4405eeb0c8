import type { CaseCategoryV1, CasePriorityV1, SlaKindV1 } from '@rapport/contracts';
import { slaTargets, type SlaFacts, type SlaState } from '../sla/sla-state';
import type { EscalationConditions, EscalationRule } from './escalation-rules';

/** What a rule looks at in a case, as of one instant. */
export interface EscalationFacts {
  priority: CasePriorityV1;
  tier: string | null;
  category: CaseCategoryV1;
  queueId: string | null;
  createdAt: Date;
  /** Each running clock's state and since when it has been in it. */
  sla: Partial<Record<SlaKindV1, { state: SlaState; since: Date }>>;
}

const MINUTE = 60_000;

/** The facts of a case at `at`; an SLA state's start is when it was stamped or, if the timer is late, when it was due. */
export function escalationFacts(
  c: SlaFacts & { priority: CasePriorityV1; tier: string | null; category: CaseCategoryV1; queueId: string | null; createdAt: Date },
  at: Date,
): EscalationFacts {
  const sla: EscalationFacts['sla'] = {};
  for (const t of slaTargets(c, at)) {
    const fr = t.kind === 'FIRST_RESPONSE';
    const since =
      t.state === 'BREACHED'
        ? ((fr ? c.firstResponseBreachedAt : c.resolutionBreachedAt) ?? t.dueAt)
        : t.state === 'WARNING'
          ? ((fr ? c.firstResponseWarnedAt : c.resolutionWarnedAt) ?? (fr ? c.firstResponseWarnAt : c.resolutionWarnAt) ?? c.createdAt)
          : c.createdAt;
    sla[t.kind] = { state: t.state, since };
  }
  return { priority: c.priority, tier: c.tier, category: c.category, queueId: c.queueId, createdAt: c.createdAt, sla };
}

/**
 * Whether the case's state meets the conditions, leaving time since opening
 * aside (that one only says when the rule starts counting).
 */
export function stateMatches(conditions: EscalationConditions, f: EscalationFacts): boolean {
  if (conditions.priorities && !conditions.priorities.includes(f.priority)) return false;
  if (conditions.tiers && !(f.tier !== null && conditions.tiers.includes(f.tier.toLowerCase()))) return false;
  if (conditions.categories && !conditions.categories.includes(f.category)) return false;
  if (conditions.queueIds && !(f.queueId !== null && conditions.queueIds.includes(f.queueId))) return false;
  for (const s of conditions.sla ?? []) {
    const clock = f.sla[s.kind];
    if (!clock || !(s.states as SlaState[]).includes(clock.state)) return false;
  }
  return true;
}

/** Since when the conditions hold (assuming the state matches): the latest of opening, opening + minutes, and each SLA state's start. */
export function heldSince(conditions: EscalationConditions, f: EscalationFacts): Date {
  let since = f.createdAt.getTime();
  if (conditions.openMinutesAtLeast !== undefined) since = Math.max(since, f.createdAt.getTime() + conditions.openMinutesAtLeast * MINUTE);
  for (const s of conditions.sla ?? []) {
    const clock = f.sla[s.kind];
    if (clock) since = Math.max(since, clock.since.getTime());
  }
  return new Date(since);
}

/** Whether every condition holds at `at`. */
export function ruleMatches(conditions: EscalationConditions, f: EscalationFacts, at: Date): boolean {
  return stateMatches(conditions, f) && heldSince(conditions, f).getTime() <= at.getTime();
}

/**
 * The rule's levels (1-based) due at `at` and not fired yet, in order, and
 * when the next one comes due if the case stays as it is (null: none, or the
 * case does not match — a change to it is re-evaluated when it happens).
 */
export function levelsDue(
  rule: EscalationRule,
  f: EscalationFacts,
  fired: ReadonlySet<number>,
  at: Date,
): { due: number[]; nextAt: Date | null } {
  if (!stateMatches(rule.conditions, f)) return { due: [], nextAt: null };
  const start = heldSince(rule.conditions, f).getTime();
  const due: number[] = [];
  for (const [i, level] of rule.levels.entries()) {
    if (fired.has(i + 1)) continue;
    const fireAt = start + level.afterMinutes * MINUTE;
    if (fireAt > at.getTime()) return { due, nextAt: new Date(fireAt) };
    due.push(i + 1);
  }
  return { due, nextAt: null };
}

/** The SLA clock a rule escalates (the first one it conditions on a warning or breach), recorded with each escalation. */
export function escalatedClock(rule: EscalationRule): SlaKindV1 | null {
  return rule.conditions.sla?.find((s) => s.states.some((st) => st !== 'OK'))?.kind ?? null;
}
