import { DEFAULT_ESCALATION_RULES, type EscalationRule } from './escalation-rules';
import { escalatedClock, escalationFacts, levelsDue, ruleMatches, waitsForSlaEvent } from './escalation-matching';

const t0 = new Date('2026-03-02T09:00:00Z');
const min = (m: number) => new Date(t0.getTime() + m * 60_000);
const Q = '0190a0a0-0000-7000-8000-000000000001';

const aCase = (over: Record<string, unknown> = {}) => ({
  priority: 'NORMAL' as const,
  tier: 'gold',
  category: 'PROBLEM' as const,
  queueId: Q,
  createdAt: t0,
  firstResponseDueAt: min(60),
  firstResponseWarnedAt: null,
  firstResponseBreachedAt: null,
  firstRespondedAt: null,
  resolutionDueAt: min(600),
  resolutionWarnedAt: null,
  resolutionBreachedAt: null,
  resolvedAt: null,
  closedAt: null,
  pausedAt: null,
  ...over,
});

const twoLevels: EscalationRule = {
  key: 'gold-late',
  name: 'Gold customers waiting',
  conditions: { tiers: ['gold'], queueIds: [Q], sla: [{ kind: 'FIRST_RESPONSE', states: ['BREACHED'] }] },
  levels: [
    { afterMinutes: 0, actions: [{ type: 'RAISE_PRIORITY' }] },
    { afterMinutes: 30, actions: [{ type: 'ADD_INTERNAL_COMMENT', body: 'still waiting' }] },
  ],
};

describe('escalation conditions', () => {
  it('match on priority, tier, category and queue; an absent condition matches anything', () => {
    const f = escalationFacts(aCase());
    expect(ruleMatches({}, f, min(1))).toBe(true);
    expect(ruleMatches({ priorities: ['NORMAL', 'HIGH'], tiers: ['gold'], categories: ['PROBLEM'], queueIds: [Q] }, f, min(1))).toBe(true);
    expect(ruleMatches({ priorities: ['URGENT'] }, f, min(1))).toBe(false);
    expect(ruleMatches({ tiers: ['silver'] }, f, min(1))).toBe(false);
    expect(ruleMatches({ categories: ['QUESTION'] }, f, min(1))).toBe(false);
    expect(ruleMatches({ queueIds: ['0190a0a0-0000-7000-8000-00000000ffff'] }, f, min(1))).toBe(false);
    expect(ruleMatches({ tiers: ['gold'] }, escalationFacts(aCase({ tier: null })), min(1))).toBe(false);
  });

  it('match on time since opening, in wall-clock minutes', () => {
    const c = aCase();
    expect(ruleMatches({ openMinutesAtLeast: 30 }, escalationFacts(c), min(29))).toBe(false);
    expect(ruleMatches({ openMinutesAtLeast: 30 }, escalationFacts(c), min(30))).toBe(true);
  });

  it('match on each clock’s SLA state as the SLA timers recorded it', () => {
    const ok = { sla: [{ kind: 'FIRST_RESPONSE' as const, states: ['OK' as const] }] };
    const warning = { sla: [{ kind: 'FIRST_RESPONSE' as const, states: ['WARNING' as const] }] };
    const breached = { sla: [{ kind: 'FIRST_RESPONSE' as const, states: ['BREACHED' as const] }] };
    expect(ruleMatches(ok, escalationFacts(aCase()), min(10))).toBe(true);
    expect(ruleMatches(warning, escalationFacts(aCase({ firstResponseWarnedAt: min(48) })), min(50))).toBe(true);
    expect(ruleMatches(breached, escalationFacts(aCase({ firstResponseBreachedAt: min(60) })), min(61))).toBe(true);
    // Past due but not yet recorded: the escalation waits for the breach (and follows its event).
    expect(ruleMatches(breached, escalationFacts(aCase()), min(61))).toBe(false);
    expect(ruleMatches(warning, escalationFacts(aCase()), min(50))).toBe(false);
    // Answered after the breach: the clock stopped, nothing more escalates on it.
    expect(ruleMatches(breached, escalationFacts(aCase({ firstResponseBreachedAt: min(60), firstRespondedAt: min(65) })), min(66))).toBe(
      false,
    );
    expect(ruleMatches(ok, escalationFacts(aCase({ pausedAt: min(5) })), min(10))).toBe(false);
    // No SLA on the case: no clock is in any state.
    expect(ruleMatches(ok, escalationFacts(aCase({ firstResponseDueAt: null })), min(10))).toBe(false);
  });
});

describe('levelsDue', () => {
  it('counts each level from the moment the conditions came to hold, and skips levels already fired', () => {
    const breached = aCase({ firstResponseBreachedAt: min(61) });
    expect(levelsDue(twoLevels, escalationFacts(breached), new Set(), min(61))).toEqual({ due: [1], nextAt: min(91) });
    expect(levelsDue(twoLevels, escalationFacts(breached), new Set([1]), min(61))).toEqual({ due: [], nextAt: min(91) });
    expect(levelsDue(twoLevels, escalationFacts(breached), new Set([1]), min(95))).toEqual({ due: [2], nextAt: null });
    expect(levelsDue(twoLevels, escalationFacts(breached), new Set(), min(95))).toEqual({ due: [1, 2], nextAt: null });
    expect(levelsDue(twoLevels, escalationFacts(breached), new Set([1, 2]), min(95))).toEqual({ due: [], nextAt: null });
  });

  it('waits for opening + minutes, and says when', () => {
    const rule: EscalationRule = { ...twoLevels, conditions: { openMinutesAtLeast: 120 } };
    expect(levelsDue(rule, escalationFacts(aCase()), new Set(), min(10))).toEqual({ due: [], nextAt: min(120) });
    expect(levelsDue(rule, escalationFacts(aCase()), new Set(), min(121))).toEqual({ due: [1], nextAt: min(150) });
  });

  it('does nothing and plans nothing while the state does not match', () => {
    expect(levelsDue(twoLevels, escalationFacts(aCase({ tier: 'bronze', firstResponseBreachedAt: min(61) })), new Set(), min(70))).toEqual({
      due: [],
      nextAt: null,
    });
  });

  it('the default rules escalate each clock once, on its breach only', () => {
    const [fr, res] = DEFAULT_ESCALATION_RULES;
    expect([escalatedClock(fr), escalatedClock(res)]).toEqual(['FIRST_RESPONSE', 'RESOLUTION']);
    const warned = escalationFacts(aCase({ firstResponseWarnedAt: min(48) }));
    expect(levelsDue(fr, warned, new Set(), min(50)).due).toEqual([]);
    const breached = escalationFacts(aCase({ firstResponseBreachedAt: min(60) }));
    expect(levelsDue(fr, breached, new Set(), min(60)).due).toEqual([1]);
    expect(levelsDue(res, breached, new Set(), min(60)).due).toEqual([]);
  });

  it('rules that wait for a warning or breach need no check when a case changes; the others do', () => {
    expect(DEFAULT_ESCALATION_RULES.every(waitsForSlaEvent)).toBe(true);
    expect(waitsForSlaEvent(twoLevels)).toBe(true);
    expect(waitsForSlaEvent({ ...twoLevels, conditions: { openMinutesAtLeast: 60 } })).toBe(false);
    expect(waitsForSlaEvent({ ...twoLevels, conditions: { sla: [{ kind: 'RESOLUTION', states: ['OK', 'WARNING'] }] } })).toBe(false);
  });
});
