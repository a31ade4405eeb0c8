// SQL injection through the rule language: a hostile string anywhere in a
// rule is either refused with a validation error or travels as a parameter.
// "Only as a parameter" is checked strictly: the SQL text compiled with the
// hostile string is identical to the SQL compiled with a harmless one.

import { compileRule, RuleValidationError, type CompileOptions } from './index';

const HOSTILE = [
  "'; DROP TABLE contacts; --",
  "' OR '1'='1",
  "x' OR c.tier IS NOT NULL OR 'x'='",
  '"; DROP TABLE contacts; --',
  "\\'; DROP TABLE contacts; --",
  "\\\\'); DELETE FROM contacts; --",
  '$1',
  '$1::text); DROP TABLE contacts; --',
  '$$; DROP TABLE contacts; $$',
  '$tag$ x $tag$',
  '/* comment */ OR 1=1',
  '-- comment',
  "U&'\\0027'",
  "E'\\x27'",
  '\\u0027; DROP TABLE contacts',
  'ʼ; DROP TABLE contacts; -- (modifier apostrophe) ’ (curly)',
  '\u0000 NUL',
  '%_\\%',
  '{ids}{since}{entryAt}{event}{key}',
  'c.tier',
  '__proto__',
  'constructor',
  '😀 café',
  "'".repeat(1000),
  "'; DROP TABLE contacts; --".repeat(400), // over the string limit
];

const now = new Date('2026-06-30T12:00:00.000Z');
const journey = { event: { band: 'HIGH' }, entryAt: new Date('2026-06-30T10:00:00.000Z') };
const options: CompileOptions = { now, scope: 'journey', journey, tierOrder: ['platinum', 'gold'] };

type Outcome = 'compiled' | 'rejected';

/** Compiles build(hostile) and build(harmless); when both compile their SQL must be the same text. */
function attempt(build: (s: string) => unknown, hostile: string, opts: CompileOptions = options): Outcome {
  let sql: string;
  try {
    sql = compileRule(build(hostile), opts).sql;
  } catch (err) {
    expect(err).toBeInstanceOf(RuleValidationError);
    return 'rejected';
  }
  expect(sql).toBe(compileRule(build('harmless'), opts).sql);
  expect(outsideLiterals(sql)).not.toMatch(/;|--|\/\*|\$\$/);
  return 'compiled';
}

/** The SQL with its own string literals ('…') removed. */
function outsideLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "''");
}

/** Refused as values: over the string limit, or holding NUL (which PostgreSQL text cannot store). */
const refusedValue = (s: string) => s.length > 1000 || s.includes('\u0000');
const cond = (field: string, op: string, value?: unknown) => ({ field, op, ...(value === undefined ? {} : { value }) });

describe('hostile strings as values travel only as parameters', () => {
  const places: [string, (s: string) => unknown][] = [
    ['text eq', (s) => cond('firstName', 'eq', s)],
    ['text contains', (s) => cond('lastName', 'contains', s)],
    ['text in', (s) => cond('email', 'in', ['a@b.c', s])],
    ['array contains', (s) => cond('emails', 'startsWith', s)],
    ['array in', (s) => cond('phones', 'in', [s])],
    ['RFM segment without the tenant list', (s) => cond('rfmSegment', 'in', [s])],
    ['attribute string', (s) => cond('attributes.code', 'eq', s)],
    ['attribute list', (s) => cond('attributes.code', 'notIn', [s, 'b'])],
    ['attribute pattern', (s) => cond('attributes.code', 'endsWith', s)],
    ['event value', (s) => cond('event.band', 'eq', s)],
    ['deep in a group', (s) => ({ and: [cond('tier', 'gte', 'gold'), { not: { or: [cond('firstName', 'eq', s)] } }] })],
  ];

  it.each(places.flatMap(([where, build]) => HOSTILE.map((h) => [where, h, build] as const)))('%s: %j', (_, hostile, build) => {
    expect(attempt(build, hostile)).toBe(refusedValue(hostile) ? 'rejected' : 'compiled');
  });

  it('the hostile text is in the parameters, unchanged apart from case folding and LIKE escaping', () => {
    const hostile = "'; DROP TABLE contacts; --";
    expect(compileRule(cond('firstName', 'eq', hostile), options).params).toEqual([hostile.toLowerCase()]);
    expect(compileRule(cond('lastName', 'contains', '50%_'), options).params).toEqual(['%50\\%\\_%']);
  });
});

describe('hostile strings in names, operators, ids and keys are refused', () => {
  const places: [string, (s: string) => unknown][] = [
    ['field name', (s) => cond(s, 'eq', 1)],
    ['attribute key', (s) => cond(`attributes.${s}`, 'eq', 1)],
    ['event path', (s) => cond(`event.${s}`, 'eq', 1)],
    ['event path part', (s) => cond(`event.band.${s}`, 'eq', 1)],
    ['operator', (s) => cond('firstName', s, 'x')],
    ['segment id', (s) => cond('inSegment', 'in', [s])],
    ['campaign id', (s) => cond('receivedCampaign', 'eq', s)],
    ['owner id', (s) => cond('ownerId', 'eq', s)],
    ['condition key', (s) => ({ ...cond('firstName', 'eq', 'x'), [s]: 1 })],
    ['group key', (s) => ({ [s]: [cond('firstName', 'eq', 'x')] })],
    ['relative date key', (s) => cond('lastOrderAt', 'lt', { [s]: 3 })],
    ['date', (s) => cond('createdAt', 'gt', s)],
    ['known enum value', (s) => cond('tier', 'eq', s)],
    ['churn band', (s) => cond('churnBand', 'in', [s])],
    ['RFM score', (s) => cond('rfmScore', 'eq', s)],
    ['window key', (s) => ({ ...cond('ordersInLast', 'gt', 1), window: { [s]: 1 } })],
  ];

  it.each(places.flatMap(([where, build]) => HOSTILE.map((h) => [where, h, build] as const)))('%s: %j', (where, hostile, build) => {
    // "__proto__" or "c.tier" are well-formed keys and paths: they may compile, and then only as parameters (attempt checks).
    const key = where.startsWith('event') ? /^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64})*$/ : /^[A-Za-z0-9_]{1,64}$/;
    const wellFormedKey = /^(attribute|event)/.test(where) && key.test(hostile);
    expect(attempt(build, hostile)).toBe(wellFormedKey ? 'compiled' : 'rejected');
  });

  it('error messages quote hostile text cut short', () => {
    try {
      compileRule(cond('x'.repeat(900), 'eq', 1), options);
    } catch (err) {
      expect((err as RuleValidationError).errors[0].message.length).toBeLessThan(120);
    }
    expect.assertions(1);
  });
});

describe('hostile tenant data and event data also stay out of the SQL text', () => {
  it.each(HOSTILE)('tier order and RFM segment names: %j', (hostile) => {
    const opts = (s: string): CompileOptions => ({
      ...options,
      tierOrder: [s, 'gold'],
      rfmSegments: [
        { key: s, name: s },
        { key: 'b', name: 'B' },
      ],
    });
    const rule = { and: [cond('tier', 'gte', 'gold'), cond('rfmSegment', 'notIn', ['B'])] };
    const compiled = compileRule(rule, opts(hostile));
    expect(compiled.sql).toBe(compileRule(rule, opts('harmless')).sql);
    expect(compiled.params).toEqual([['gold', hostile], ['b']]);
  });

  it.each(HOSTILE)('event data: %j', (hostile) => {
    const rule = cond('event.band', 'eq', 'HIGH');
    const withEvent = (band: string) => compileRule(rule, { ...options, journey: { ...journey, event: { band, [band]: band } } });
    expect(withEvent(hostile).sql).toBe(withEvent('harmless').sql);
    expect(withEvent(hostile).params[0]).toBe(JSON.stringify({ band: hostile, [hostile]: hostile }));
  });
});
