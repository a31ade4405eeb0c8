import { DEFAULT_ESCALATION_RULES } from './escalation-rules';
import { checkRuleSet } from './escalation-validation';

const Q = '0190a0a0-0000-7000-8000-000000000001';
const U = '0190a0a0-0000-7000-8000-000000000002';

const rule = (over: Record<string, unknown> = {}) => ({
  key: 'vip',
  name: 'VIP waiting',
  conditions: { tiers: ['Gold'], sla: [{ kind: 'FIRST_RESPONSE', states: ['WARNING', 'BREACHED'] }] },
  levels: [
    {
      afterMinutes: 0,
      actions: [
        { type: 'CHANGE_QUEUE', queueId: Q },
        { type: 'RAISE_PRIORITY', priority: 'URGENT' },
      ],
    },
    {
      afterMinutes: 30,
      actions: [
        { type: 'REASSIGN', userId: U },
        { type: 'NOTIFY', recipients: ['QUEUE_MANAGER'], email: true },
      ],
    },
  ],
  ...over,
});

const problems = (input: unknown) => {
  const r = checkRuleSet(input);
  return r.problems.map((p) => `${p.field}: ${p.message}`);
};

describe('checkRuleSet', () => {
  it('accepts a valid set, normalises it and lists the ids to check', () => {
    const r = checkRuleSet([rule()]);
    if (r.problems.length > 0) throw new Error(JSON.stringify(r.problems));
    if (!('rules' in r)) throw new Error('no rules');
    expect(r.rules[0].conditions.tiers).toEqual(['gold']);
    expect(r.rules[0].levels[1].actions[1]).toEqual({ type: 'NOTIFY', recipients: ['QUEUE_MANAGER'], userIds: [], email: true });
    expect(r.references).toEqual([
      { field: 'rules[0].levels[0].actions[0].queueId', kind: 'QUEUE', id: Q },
      { field: 'rules[0].levels[1].actions[0].userId', kind: 'USER', id: U },
    ]);
  });

  it('accepts the default rule set (it must stay a set an admin could have written)', () => {
    expect(checkRuleSet(JSON.parse(JSON.stringify(DEFAULT_ESCALATION_RULES))).problems).toEqual([]);
  });

  it('accepts an empty set (no escalation at all)', () => {
    expect(checkRuleSet([]).problems).toEqual([]);
  });

  it('names every problem at once, by its path', () => {
    expect(
      problems([
        rule({ levels: [] }),
        rule({
          key: 'vip',
          conditions: { priorities: [], sla: [{ kind: 'RESOLUTION', states: ['PAUSED'] }], colour: 'red' },
          levels: [
            { afterMinutes: 10, actions: [{ type: 'CHANGE_QUEUE' }, { type: 'ADD_INTERNAL_COMMENT', body: ' ', userId: U }] },
            { afterMinutes: 5, actions: [] },
          ],
        }),
      ]),
    ).toEqual([
      'rules[0].levels: a rule needs at least one level',
      'rules[1].key: "vip" is used by an earlier rule; keys are unique',
      'rules[1].conditions.colour: is not a field of this object',
      'rules[1].conditions.priorities: an empty list matches no case; leave it out to match any',
      'rules[1].conditions.sla[0].states[0]: must be one of OK, WARNING, BREACHED',
      'rules[1].levels[0].actions[0].queueId: give either a queueId or toEscalationQueue: true',
      'rules[1].levels[0].actions[1].userId: is not used by ADD_INTERNAL_COMMENT',
      'rules[1].levels[0].actions[1].body: must be 1–5000 characters',
      'rules[1].levels[1].afterMinutes: comes before the previous level (10); levels are in the order they fire',
      'rules[1].levels[1].actions: a level needs at least one action',
    ]);
  });

  it('refuses contradictory SLA conditions and notifications to nobody', () => {
    expect(
      problems([
        rule({
          conditions: {
            sla: [
              { kind: 'FIRST_RESPONSE', states: ['OK'] },
              { kind: 'FIRST_RESPONSE', states: ['BREACHED'] },
            ],
          },
          levels: [{ afterMinutes: 0, actions: [{ type: 'NOTIFY' }, { type: 'RAISE_PRIORITY', priority: 'SOON' }] }],
        }),
      ]),
    ).toEqual([
      'rules[0].conditions.sla[1].kind: FIRST_RESPONSE is already conditioned in this rule; one condition per clock',
      'rules[0].levels[0].actions[0].recipients: name who is told: recipients (ASSIGNEE, QUEUE_MANAGER) and/or userIds',
      'rules[0].levels[0].actions[1].priority: must be one of LOW, NORMAL, HIGH, URGENT',
    ]);
  });

  it('refuses bad keys, names, minutes and ids', () => {
    expect(
      problems([
        rule({
          key: 'no spaces',
          name: '',
          conditions: { openMinutesAtLeast: -1, queueIds: ['q1'] },
          levels: [{ afterMinutes: 1.5, actions: [{ type: 'REASSIGN', userId: 'me' }, { type: 'FLY' }] }],
        }),
      ]),
    ).toEqual([
      'rules[0].key: must be 1–64 letters, digits, - or _, starting with a letter or digit',
      'rules[0].name: must be 1–100 characters',
      'rules[0].conditions.queueIds[0]: must be a UUID',
      'rules[0].conditions.openMinutesAtLeast: must be 0–525600 minutes',
      'rules[0].levels[0].afterMinutes: must be 0–525600 minutes',
      'rules[0].levels[0].actions[0].userId: must be a UUID',
      'rules[0].levels[0].actions[1].type: must be one of REASSIGN, CHANGE_QUEUE, RAISE_PRIORITY, NOTIFY, ADD_INTERNAL_COMMENT',
    ]);
  });
});
