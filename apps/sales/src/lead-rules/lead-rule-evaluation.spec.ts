import {
  evaluateScore,
  leadFacts,
  matchAssignmentRule,
  parseAssignmentRules,
  parseScoringRules,
  roundRobinPick,
  type LeadFacts,
} from './lead-rule-evaluation';

const lead = (over: Partial<LeadFacts> = {}): LeadFacts => ({
  ...leadFacts({
    firstName: 'Ada',
    lastName: 'Byron',
    company: 'Analytical Engines',
    email: 'ada@engines.test',
    phone: null,
    source: 'web-form',
    status: 'NEW',
  }),
  ...over,
});

const U1 = '0192f0a0-0000-7000-8000-000000000001';
const U2 = '0192f0a0-0000-7000-8000-000000000002';

describe('lead scoring rules', () => {
  const rules = parseScoringRules([
    { kind: 'FIELD_EQUALS', field: 'SOURCE', value: 'Web-Form', points: 20 },
    { kind: 'EMAIL_DOMAIN_IN', domains: ['Engines.test', 'example.org'], points: 15 },
    { kind: 'FIELD_PRESENT', field: 'COMPANY', points: 5 },
    { kind: 'FIELD_PRESENT', field: 'PHONE', points: 5 },
    { kind: 'ACTIVITY_COUNT', activityType: 'CALL', points: 10, maxPoints: 30 },
  ]);

  it('sums the points of matching rules (case-insensitive), counting completed activities only by default', () => {
    expect(evaluateScore(rules, lead(), {})).toBe(40);
    expect(evaluateScore(rules, lead(), { CALL: { total: 3, completed: 2 } })).toBe(60);
  });

  it('caps an activity rule at maxPoints and the total at 0–100', () => {
    expect(evaluateScore(rules, lead(), { CALL: { total: 9, completed: 9 } })).toBe(70);
    const big = parseScoringRules([{ kind: 'ACTIVITY_COUNT', activityType: 'MEETING', completedOnly: false, points: 40 }]);
    expect(evaluateScore(big, lead(), { MEETING: { total: 5, completed: 0 } })).toBe(100);
    const negative = parseScoringRules([{ kind: 'FIELD_EQUALS', field: 'STATUS', value: 'new', points: -30 }]);
    expect(evaluateScore(negative, lead(), {})).toBe(0);
  });

  it('does not match an absent email or a different domain', () => {
    expect(evaluateScore(rules, lead({ EMAIL: null, SOURCE: null, COMPANY: ' ' }), {})).toBe(0);
    expect(evaluateScore(rules, lead({ EMAIL: 'x@other.test' }), {})).toBe(25);
  });

  it('names the bad part of invalid rules', () => {
    const bad = (input: unknown, field: string) => {
      try {
        parseScoringRules(input);
      } catch (err) {
        expect((err as { extensions?: { field?: string } }).extensions?.field ?? (err as Error).message).toContain(field);
        return;
      }
      throw new Error('accepted invalid rules');
    };
    bad('nope', 'rules');
    bad([{ kind: 'SOMETHING', points: 1 }], 'rules[0].kind');
    bad([{ kind: 'FIELD_EQUALS', field: 'COLOUR', value: 'x', points: 1 }], 'rules[0].field');
    bad(
      [
        { kind: 'FIELD_PRESENT', field: 'EMAIL', points: 1 },
        { kind: 'FIELD_EQUALS', field: 'SOURCE', value: ' ', points: 1 },
      ],
      'rules[1].value',
    );
    bad([{ kind: 'EMAIL_DOMAIN_IN', domains: ['ok.test', 'not a domain'], points: 1 }], 'rules[0].domains[1]');
    bad([{ kind: 'EMAIL_DOMAIN_IN', domains: [], points: 1 }], 'rules[0].domains');
    bad([{ kind: 'ACTIVITY_COUNT', activityType: 'EMAIL', points: 1 }], 'rules[0].activityType');
    bad([{ kind: 'FIELD_PRESENT', field: 'EMAIL', points: 1.5 }], 'rules[0].points');
    bad([{ kind: 'FIELD_PRESENT', field: 'EMAIL', points: 500 }], 'rules[0].points');
  });
});

describe('lead assignment rules', () => {
  it('picks the first matching rule, else nothing', () => {
    const { rules } = parseAssignmentRules({
      rules: [
        { field: 'SOURCE', value: 'partner', ownerId: U1 },
        { field: 'SOURCE', value: 'web-form', ownerId: U2 },
        { field: 'COMPANY', value: 'analytical engines', ownerId: U1 },
      ],
    });
    expect(matchAssignmentRule(rules, lead())).toBe(U2);
    expect(matchAssignmentRule(rules, lead({ SOURCE: 'event', COMPANY: 'Other' }))).toBeNull();
  });

  it('round-robins over the users by position', () => {
    const picks = [0, 1, 2, 3, 4, 5].map((p) => roundRobinPick([U1, U2, 'c'], p));
    expect(picks).toEqual([U1, U2, 'c', U1, U2, 'c']);
    expect(roundRobinPick([], 3)).toBeNull();
  });

  it('names the bad part of invalid rules', () => {
    expect(() => parseAssignmentRules({ rules: [{ field: 'SOURCE', value: 'x', ownerId: 'bob' }] })).toThrow(/ownerId|UUID/);
    expect(() => parseAssignmentRules({ roundRobinUserIds: [U1, U1] })).toThrow(/twice/);
    expect(() => parseAssignmentRules({ roundRobinUserIds: [U1, 'x'] })).toThrow(/UUID/);
    expect(parseAssignmentRules({})).toEqual({ rules: [], roundRobinUserIds: [] });
  });
});
