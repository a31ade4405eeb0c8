import type { CaseCategoryV1, CasePriorityV1, SlaKindV1 } from '@rapport/contracts';
import type { SlaFacts, SlaState } from '../sla/sla-state';
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

/** The SLA columns escalation reads: due times, the marks the SLA timers stamped, and what stops or pauses a clock. */
export type EscalationSlaColumns = Pick<
  SlaFacts,
  | 'firstResponseDueAt'
  | 'firstResponseWarnedAt'
  | 'firstResponseBreachedAt'
  | 'firstRespondedAt'
  | 'resolutionDueAt'
  | 'resolutionWarnedAt'
  | 'resolutionBreachedAt'
  | 'resolvedAt'
  | 'closedAt'
  | 'pausedAt'
>;

/**
 * The facts of a case. A clock is WARNING or BREACHED for a rule once the
 * SLA timer has recorded it (not merely because the due time passed), so an
 * escalation always follows the warning or breach it reacts to, and the
 * state starts when it was recorded. A stopped clock (answered, resolved)
 * is MET and a paused one PAUSED: neither escalates.
 */
export function escalationFacts(
  c: EscalationSlaColumns & {
    priority: CasePriorityV1;
    tier: string | null;
    category: CaseCategoryV1;
    queueId: string | null;
    createdAt: Date;
  },
): EscalationFacts {
  const clock = (dueAt: Date | null, warnedAt: Date | null, breachedAt: Date | null, stoppedAt: Date | null) => {
    if (!dueAt) return undefined;
    if (stoppedAt) return { state: 'MET' as const, since: stoppedAt };
    if (c.pausedAt) return { state: 'PAUSED' as const, since: c.pausedAt };
    if (breachedAt) return { state: 'BREACHED' as const, since: breachedAt };
    if (warnedAt) return { state: 'WARNING' as const, since: warnedAt };
    return { state: 'OK' as const, since: c.createdAt };
  };
  const sla: EscalationFacts['sla'] = {};
  const fr = clock(c.firstResponseDueAt, c.firstResponseWarnedAt, c.firstResponseBreachedAt, c.firstRespondedAt);
  const res = clock(c.resolutionDueAt, c.resolutionWarnedAt, c.resolutionBreachedAt, c.resolvedAt ?? c.closedAt);
  if (fr) sla.FIRST_RESPONSE = fr;
  if (res) sla.RESOLUTION = res;
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

/**
 * Whether the rule can only start matching when an SLA timer records a
 * warning or breach (it asks some clock to be WARNING or BREACHED only): such
 * a rule is evaluated by the timer itself and needs no check when the case
 * changes. The default rules are all of this kind.
 */
export function waitsForSlaEvent(rule: EscalationRule): boolean {
  return (rule.conditions.sla ?? []).some((s) => !s.states.includes('OK'));
}
