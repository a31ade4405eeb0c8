import { parseRule, validateRule, type RuleError, type RuleSchemaOptions } from './index';

const schema: RuleSchemaOptions = {
  tierOrder: ['platinum', 'gold', 'silver', 'bronze'],
  rfmSegments: [
    { key: 'at-risk', name: 'At risk' },
    { key: 'champions', name: 'Champions' },
  ],
};
const errorsOf = (rule: unknown, options: RuleSchemaOptions = {}) => validateRule(rule, { ...schema, ...options });
const only = (rule: unknown, options?: RuleSchemaOptions): RuleError => {
  const errors = errorsOf(rule, options);
  expect(errors).toHaveLength(1);
  return errors[0];
};
const cond = (field: unknown, op: unknown, value?: unknown) => ({ field, op, ...(value === undefined ? {} : { value }) });

describe('validateRule: valid rules', () => {
  it.each([
    ['a condition', cond('tier', 'eq', 'gold')],
    [
      'groups and not',
      { and: [{ or: [cond('tier', 'gte', 'gold'), cond('clv', 'gt', 1000)] }, { not: cond('hasOpenComplaint', 'eq', true) }] },
    ],
    ['isSet with a null value', cond('email', 'isSet', null)],
    ['a decimal string', cond('clv', 'between', ['100', '250.75'])],
    ['relative dates', cond('lastOrderAt', 'between', [{ daysAgo: 90 }, { daysAgo: 30 }])],
    ['an RFM segment by name or key', cond('rfmSegment', 'in', ['At risk', 'at_risk', 'CHAMPIONS'])],
    ['a window', { field: 'ordersInLast', op: 'gt', value: 0, window: { days: 30 } }],
  ])('%s', (_, rule) => {
    expect(errorsOf(rule)).toEqual([]);
    expect(parseRule(rule, schema)).toEqual({ ok: true, rule });
  });
});

describe('validateRule: errors point at the bad part', () => {
  it('collects every error of the rule, each with its path', () => {
    const rule = {
      and: [
        cond('tier', 'eq', 'gold'),
        cond('tire', 'eq', 'gold'),
        cond('tier', 'contains', 'gold'),
        { or: [] },
        { not: cond('lastOrderAt', 'lt', { weeksAgo: 2 }) },
        cond('clv', 'between', [500, 100]),
        cond('churnBand', 'in', ['LOW', 'SEVERE']),
      ],
    };
    expect(errorsOf(rule)).toEqual([
      { path: 'rule.and[1].field', code: 'UNKNOWN_FIELD', message: 'unknown field "tire" (did you mean "tier"?)' },
      {
        path: 'rule.and[2].op',
        code: 'OPERATOR_NOT_ALLOWED',
        message:
          'tier (one of a set of values) does not take contains; use one of eq, ne, in, notIn, gt, gte, lt, lte, between, isSet, isNotSet',
      },
      { path: 'rule.and[3].or', code: 'EMPTY_GROUP', message: 'an "or" needs at least one rule' },
      {
        path: 'rule.and[4].not.value.weeksAgo',
        code: 'INVALID_DATE',
        message: 'must be { "daysAgo": n } or { "hoursAgo": n }',
      },
      { path: 'rule.and[5].value', code: 'INVALID_VALUE', message: 'the low bound comes first: [low, high]' },
      {
        path: 'rule.and[6].value[1]',
        code: 'ENUM_VALUE',
        message: '"SEVERE" is not a churnBand value; one of "LOW", "MEDIUM", "HIGH"',
      },
    ]);
    expect(parseRule(rule, schema)).toMatchObject({ ok: false, errors: { length: 6 } });
  });

  it('uses the root path the caller gives', () => {
    expect(only(cond('tire', 'eq', 'x'), { rootPath: 'input.rule' }).path).toBe('input.rule.field');
  });

  it.each([
    ['not an object', 'tier = gold', 'rule', 'INVALID_NODE'],
    ['a list', [cond('tier', 'eq', 'gold')], 'rule', 'INVALID_NODE'],
    ['an empty object', {}, 'rule', 'INVALID_NODE'],
    ['a misspelt group', { And: [] }, 'rule.And', 'UNKNOWN_KEY'],
    ['and with another key', { and: [cond('tier', 'eq', 'gold')], field: 'tier' }, 'rule.field', 'UNKNOWN_KEY'],
    ['and not a list', { and: cond('tier', 'eq', 'gold') }, 'rule.and', 'INVALID_NODE'],
    ['an empty and', { and: [] }, 'rule.and', 'EMPTY_GROUP'],
    ['a bad node in a group', { or: [cond('tier', 'eq', 'gold'), 42] }, 'rule.or[1]', 'INVALID_NODE'],
    ['an unknown condition key', { ...cond('tier', 'eq', 'gold'), vaule: 1 }, 'rule.vaule', 'UNKNOWN_KEY'],
    ['a missing field', { op: 'eq', value: 1 }, 'rule.field', 'INVALID_VALUE'],
    ['a missing op', { field: 'tier', value: 'gold' }, 'rule.op', 'UNKNOWN_OPERATOR'],
    ['an unknown operator', cond('tier', 'equals', 'gold'), 'rule.op', 'UNKNOWN_OPERATOR'],
    ['a missing value', cond('tier', 'eq'), 'rule.value', 'MISSING_VALUE'],
    ['a value on isSet', cond('tier', 'isSet', 'gold'), 'rule.value', 'UNEXPECTED_VALUE'],
    ['a wrong value type', cond('clv', 'gt', 'lots'), 'rule.value', 'INVALID_VALUE'],
    ['a fraction for an integer', cond('recency', 'gt', 1.5), 'rule.value', 'INVALID_VALUE'],
    ['a number out of range', cond('churnRisk', 'gt', 1.5), 'rule.value', 'INVALID_VALUE'],
    ['an enum value not allowed', cond('tier', 'eq', 'wood'), 'rule.value', 'ENUM_VALUE'],
    ['a bad date', cond('createdAt', 'gt', '2026-02-30'), 'rule.value', 'INVALID_DATE'],
    ['a date that is no date', cond('createdAt', 'gt', 'yesterday'), 'rule.value', 'INVALID_DATE'],
    ['eq on a moment', cond('createdAt', 'eq', { daysAgo: 3 }), 'rule.value', 'INVALID_DATE'],
    ['a reversed date range', cond('createdAt', 'between', ['2026-02-01', '2026-01-01']), 'rule.value', 'INVALID_DATE'],
    ['a bad duration', cond('lastTouchAt', 'withinLast', { days: 0 }), 'rule.value.days', 'INVALID_VALUE'],
    ['a bad list element', cond('ordersCount', 'in', [1, 'two']), 'rule.value[1]', 'INVALID_VALUE'],
    ['an empty list', cond('firstName', 'in', []), 'rule.value', 'INVALID_VALUE'],
    ['an empty string', cond('firstName', 'eq', ''), 'rule.value', 'INVALID_VALUE'],
    ['a bad RFM score', cond('rfmScore', 'eq', '5455'), 'rule.value', 'INVALID_VALUE'],
    ['a bad uuid', cond('inSegment', 'in', ['not-a-uuid']), 'rule.value[0]', 'INVALID_VALUE'],
    ['a window where none is taken', { ...cond('tier', 'eq', 'gold'), window: { days: 1 } }, 'rule.window', 'UNEXPECTED_VALUE'],
    ['a missing window', cond('ordersInLast', 'gt', 0), 'rule.window', 'MISSING_VALUE'],
    ['a bad attribute key', cond('attributes.offer-sent', 'eq', true), 'rule.field', 'INVALID_VALUE'],
    ['strings compared by order', cond('attributes.code', 'gt', 'b'), 'rule.value', 'INVALID_VALUE'],
    ['a mixed attribute list', cond('attributes.code', 'in', ['a', 1]), 'rule.value[1]', 'INVALID_VALUE'],
    ['a journey field in a segment', cond('event.band', 'eq', 'HIGH'), 'rule.field', 'FIELD_NOT_AVAILABLE'],
    ['a date in an attribute', cond('attributes.seen', 'withinLast', { days: 1 }), 'rule.op', 'OPERATOR_NOT_ALLOWED'],
  ])('%s', (_, rule, path, code) => {
    expect(only(rule)).toMatchObject({ path, code });
  });

  it('suggests fields, attribute prefixes, aliases and operators', () => {
    expect(only(cond('lastname', 'eq', 'x')).message).toBe('unknown field "lastname" (did you mean "lastName"?)');
    expect(only(cond('attribute.score', 'eq', 1)).message).toContain('did you mean "attributes.score"?');
    expect(only(cond('clvTier', 'eq', 'gold')).message).toContain('did you mean "tier"?');
    expect(only(cond('tier', 'gtee', 'gold')).message).toMatch(/^unknown operator "gtee" \(did you mean "gte"\?\)/);
    expect(only(cond('tier', 'eq', 'platnum')).message).toContain('did you mean "platinum"?');
    expect(only(cond('zzzzzz', 'eq', 1)).message).toBe('unknown field "zzzzzz"');
  });

  it('ordering a tier needs the tenant order; equality works without it', () => {
    expect(only(cond('tier', 'gte', 'gold'), { tierOrder: undefined })).toMatchObject({ path: 'rule.value', code: 'MISSING_CONTEXT' });
    expect(errorsOf(cond('tier', 'eq', 'gold'), { tierOrder: undefined })).toEqual([]);
  });

  it('journey fields are allowed in journey scope', () => {
    expect(errorsOf({ and: [cond('event.band', 'eq', 'HIGH'), cond('ordersSinceEntry', 'eq', 0)] }, { scope: 'journey' })).toEqual([]);
    expect(only(cond('event.a..b', 'eq', 1), { scope: 'journey' })).toMatchObject({ path: 'rule.field', code: 'INVALID_VALUE' });
  });
});

describe('validateRule: limits', () => {
  const nest = (depth: number): unknown => (depth === 1 ? cond('tier', 'eq', 'gold') : { not: nest(depth - 1) });

  it('depth ≤ 12', () => {
    expect(errorsOf(nest(12))).toEqual([]);
    const error = only(nest(13));
    expect(error).toMatchObject({ code: 'TOO_DEEP', path: `rule${'.not'.repeat(12)}` });
  });

  it('a very deep rule is refused without walking all of it', () => {
    let deep: unknown = cond('tier', 'eq', 'gold');
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    expect(only(deep).code).toBe('TOO_DEEP');
  });

  it('≤ 500 nodes', () => {
    const of = (n: number) => ({ and: Array.from({ length: n }, () => cond('openCases', 'eq', 0)) });
    expect(errorsOf(of(499))).toEqual([]);
    expect(only(of(500))).toMatchObject({ code: 'TOO_MANY_NODES', path: 'rule.and[499]' });
    expect(only(of(1_000_000))).toMatchObject({ code: 'TOO_MANY_NODES' });
  });

  it('lists ≤ 1000 values and strings ≤ 1000 characters', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect(errorsOf(cond('inSegment', 'in', ids(1000)))).toEqual([]);
    expect(only(cond('inSegment', 'in', ids(1001)))).toMatchObject({ code: 'LIST_TOO_LONG', path: 'rule.value' });
    expect(errorsOf(cond('firstName', 'contains', 'x'.repeat(1000)))).toEqual([]);
    expect(only(cond('firstName', 'contains', 'x'.repeat(1001)))).toMatchObject({ code: 'STRING_TOO_LONG', path: 'rule.value' });
    expect(only(cond('firstName', 'in', ['a', 'x'.repeat(1001)]))).toMatchObject({ code: 'STRING_TOO_LONG', path: 'rule.value[1]' });
    expect(only(cond('x'.repeat(5000), 'eq', 1))).toMatchObject({ code: 'STRING_TOO_LONG', path: 'rule.field' });
  });

  it('limits can be tightened by the caller', () => {
    expect(only(nest(3), { limits: { maxDepth: 2 } }).code).toBe('TOO_DEEP');
  });

  it('a rule with very many errors lists the first 100 and says there are more', () => {
    const rule = { and: Array.from({ length: 300 }, () => cond('nope', 'eq', 1)) };
    const errors = errorsOf(rule);
    expect(errors).toHaveLength(101);
    expect(errors[100]).toMatchObject({ code: 'TOO_MANY_ERRORS', path: 'rule' });
  });
});
