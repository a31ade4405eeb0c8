import { compileRule, RuleValidationError, type CompileOptions, type Rule } from './index';

const now = new Date('2026-06-30T12:00:00.000Z');
const TIERS = ['platinum', 'gold', 'silver', 'bronze'];
const SEGMENTS = [
  { key: 'at-risk', name: 'At risk' },
  { key: 'cant-lose-them', name: "Can't lose them" },
  { key: 'champions', name: 'Champions' },
];
const base: CompileOptions = { now, tierOrder: TIERS, rfmSegments: SEGMENTS };
const compile = (rule: unknown, options: Partial<CompileOptions> = {}) => compileRule(rule, { ...base, ...options });
const cond = (field: string, op: string, value?: unknown, extra: object = {}) => ({
  field,
  op,
  ...(value === undefined ? {} : { value }),
  ...extra,
});

describe('compileRule: the issue example', () => {
  // "RFM segment in [At risk, Can't lose them] and CLV tier = platinum and no open complaint and last order > 90 days ago"
  const example: Rule = {
    and: [
      { field: 'rfmSegment', op: 'in', value: ['At risk', "Can't lose them"] },
      { field: 'tier', op: 'eq', value: 'platinum' },
      { field: 'hasOpenComplaint', op: 'eq', value: false },
      { field: 'lastOrderAt', op: 'lt', value: { daysAgo: 90 } },
    ],
  };

  it('compiles to one parameterised expression with typed casts', () => {
    expect(compile(example)).toEqual({
      sql:
        '((c.rfm_segment_key = ANY($1::text[])) AND (c.tier = $2::text) AND ((c.open_complaints > 0) = $3::boolean)' +
        ' AND (c.last_order_at < $4::timestamptz))',
      params: [['at-risk', 'cant-lose-them'], 'platinum', false, '2026-04-01T12:00:00.000Z'],
    });
  });

  it('numbers placeholders after the offset the caller gives', () => {
    const { sql, params } = compile(example, { paramOffset: 3 });
    expect(sql.match(/\$\d+/g)).toEqual(['$4', '$5', '$6', '$7']);
    expect(params).toHaveLength(4);
  });

  it('is deterministic: the same rule and options give the same SQL and params', () => {
    expect(compile(JSON.parse(JSON.stringify(example)))).toEqual(compile(example));
  });

  it('without the tenant segment list, matches the key or the name, case- and separator-insensitively', () => {
    expect(compile(example.and[0], { rfmSegments: undefined })).toEqual({
      sql:
        "(translate(lower(c.rfm_segment_key), ' _''’', '--') = ANY($1::text[]) OR " +
        "translate(lower(c.rfm_segment_name), ' _''’', '--') = ANY($1::text[]))",
      params: [['at-risk', 'cant-lose-them']],
    });
    expect(compile(cond('rfmSegment', 'eq', 'at_risk')).params).toEqual(['at-risk']);
  });

  it('throws RuleValidationError carrying every error', () => {
    const bad = { and: [cond('tire', 'eq', 'gold'), cond('tier', 'eq', 'wood')] };
    expect(() => compile(bad)).toThrow(RuleValidationError);
    try {
      compile(bad);
    } catch (err) {
      expect((err as RuleValidationError).errors.map((e) => e.path)).toEqual(['rule.and[0].field', 'rule.and[1].value']);
    }
  });
});

describe('compileRule: operators by type', () => {
  const cases: [string, unknown, string, unknown[]][] = [
    // text: case-insensitive, LIKE escaped
    ['text eq', cond('firstName', 'eq', 'Anna'), '(lower(c.first_name) = $1::text)', ['anna']],
    ['text in', cond('lastName', 'in', ['Smith', 'Doe']), '(lower(c.last_name) = ANY($1::text[]))', [['smith', 'doe']]],
    ['text contains', cond('firstName', 'contains', '50%_a\\b'), "(c.first_name ILIKE $1::text ESCAPE '\\')", ['%50\\%\\_a\\\\b%']],
    ['text startsWith', cond('lastName', 'startsWith', 'Mc'), "(c.last_name ILIKE $1::text ESCAPE '\\')", ['Mc%']],
    ['text endsWith', cond('email', 'endsWith', '@ACME.com'), "(c.email ILIKE $1::text ESCAPE '\\')", ['%@ACME.com']],
    ['text isSet', cond('phone', 'isSet'), "(coalesce(c.phone, '') <> '')", []],
    ['text isNotSet', cond('phone', 'isNotSet'), "(NOT (coalesce(c.phone, '') <> ''))", []],
    ['stored lower-case email eq', cond('email', 'eq', 'Anna@Acme.COM'), '(c.email = $1::text)', ['anna@acme.com']],
    ['exact phone eq', cond('phone', 'eq', '+49 30 1234'), '(c.phone = $1::text)', ['+49 30 1234']],
    ['text ne', cond('firstName', 'ne', 'Anna'), '(NOT coalesce((lower(c.first_name) = $1::text), false))', ['anna']],
    ['text notIn', cond('firstName', 'notIn', ['A']), '(NOT coalesce((lower(c.first_name) = ANY($1::text[])), false))', [['a']]],
    ['rfmScore eq', cond('rfmScore', 'eq', '545'), '(c.rfm_score = $1::text)', ['545']],
    ['rfmScore startsWith', cond('rfmScore', 'startsWith', '5'), "(c.rfm_score ILIKE $1::text ESCAPE '\\')", ['5%']],
    // arrays
    ['array eq', cond('emails', 'eq', 'B@x.org'), '(c.emails @> ARRAY[$1::text])', ['b@x.org']],
    ['array in', cond('emails', 'in', ['a@x.org', 'B@x.org']), '(c.emails && $1::text[])', [['a@x.org', 'b@x.org']]],
    [
      'array contains',
      cond('phones', 'contains', '030'),
      "EXISTS (SELECT 1 FROM unnest(c.phones) AS u(v) WHERE (u.v ILIKE $1::text ESCAPE '\\'))",
      ['%030%'],
    ],
    ['array notIn', cond('phones', 'notIn', ['1']), '(NOT coalesce((c.phones && $1::text[]), false))', [['1']]],
    ['array isSet', cond('emails', 'isSet'), '(coalesce(cardinality(c.emails), 0) > 0)', []],
    // numbers
    ['integer gt', cond('recency', 'gt', 90), '(c.rfm_recency_days > $1::integer)', [90]],
    ['integer between', cond('frequency', 'between', [2, 5]), '(c.rfm_frequency BETWEEN $1::integer AND $2::integer)', [2, 5]],
    ['integer in', cond('ordersCount', 'in', [1, 2]), '(c.orders_count = ANY($1::integer[]))', [[1, 2]]],
    ['NOT NULL integer ne', cond('openCases', 'ne', 0), '(NOT (c.open_cases = $1::integer))', [0]],
    ['decimal string', cond('clv', 'gte', '1250.50'), '(c.clv >= $1::numeric)', ['1250.50']],
    ['decimal number', cond('monetary', 'lte', 99.5), '(c.rfm_monetary <= $1::numeric)', [99.5]],
    ['float', cond('churnRisk', 'lt', 0.3), '(c.churn_risk < $1::double precision)', [0.3]],
    ['number isNotSet', cond('clv', 'isNotSet'), '(NOT (c.clv IS NOT NULL))', []],
    // booleans, ids, memberships
    ['boolean', cond('hasOpenComplaint', 'eq', true), '((c.open_complaints > 0) = $1::boolean)', [true]],
    ['boolean ne', cond('hasOpenCase', 'ne', true), '(NOT ((c.open_cases > 0) = $1::boolean))', [true]],
    [
      'uuid eq (normalised to lower case)',
      cond('ownerId', 'eq', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'),
      '(c.owner_id = $1::uuid)',
      ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ],
    [
      'uuid in',
      cond('accountId', 'in', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']),
      '(c.account_id = ANY($1::uuid[]))',
      [['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']],
    ],
    [
      'inSegment',
      cond('inSegment', 'eq', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
      'EXISTS (SELECT 1 FROM segment_members sm WHERE sm.contact_id = c.id AND sm.segment_id = ANY($1::uuid[]))',
      [['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']],
    ],
    [
      'receivedCampaign notIn',
      cond('receivedCampaign', 'notIn', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']),
      '(NOT EXISTS (SELECT 1 FROM messages m WHERE m.contact_id = c.id AND m.campaign_id = ANY($1::uuid[])))',
      [['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']],
    ],
    [
      'receivedCampaign within a window',
      cond('receivedCampaign', 'in', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'], { window: { days: 7 } }),
      'EXISTS (SELECT 1 FROM messages m WHERE m.contact_id = c.id AND m.campaign_id = ANY($1::uuid[]) AND m.sent_at >= $2::timestamptz)',
      [['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'], '2026-06-23T12:00:00.000Z'],
    ],
    [
      'ordersInLast',
      cond('ordersInLast', 'gte', 2, { window: { hours: 48 } }),
      "((SELECT count(*) FROM contact_orders o WHERE o.contact_id = c.id AND o.status = 'PLACED' AND o.occurred_at >= $1::timestamptz) >= $2::integer)",
      ['2026-06-28T12:00:00.000Z', 2],
    ],
  ];

  it.each(cases)('%s', (_, rule, sql, params) => {
    expect(compile(rule)).toEqual({ sql, params });
  });
});

describe('compileRule: ordered enums', () => {
  const values = (rule: unknown) => compile(rule).params[0];

  it('tier gt/gte/lt/lte/between use the tenant order, best first', () => {
    expect(compile(cond('tier', 'gte', 'gold')).sql).toBe('(c.tier = ANY($1::text[]))');
    expect(values(cond('tier', 'gte', 'gold'))).toEqual(['gold', 'platinum']);
    expect(values(cond('tier', 'gt', 'gold'))).toEqual(['platinum']);
    expect(values(cond('tier', 'lte', 'gold'))).toEqual(['bronze', 'silver', 'gold']);
    expect(values(cond('tier', 'lt', 'bronze'))).toEqual([]);
    expect(values(cond('tier', 'between', ['silver', 'platinum']))).toEqual(['silver', 'gold', 'platinum']);
    expect(values(cond('tier', 'between', ['platinum', 'silver']))).toEqual(['silver', 'gold', 'platinum']);
  });

  it('another tenant order gives another meaning to the same rule', () => {
    expect(compile(cond('tier', 'gte', 'gold'), { tierOrder: ['diamond', 'gold', 'standard'] }).params[0]).toEqual(['gold', 'diamond']);
  });

  it('accepts any spelling of a value and stores the canonical one', () => {
    expect(compile(cond('tier', 'eq', 'Platinum')).params).toEqual(['platinum']);
    expect(compile(cond('churnBand', 'eq', 'high')).params).toEqual(['HIGH']);
  });

  it('churnBand is LOW < MEDIUM < HIGH', () => {
    expect(values(cond('churnBand', 'gte', 'MEDIUM'))).toEqual(['MEDIUM', 'HIGH']);
    expect(values(cond('churnBand', 'lt', 'MEDIUM'))).toEqual(['LOW']);
    expect(compile(cond('churnBand', 'notIn', ['LOW'])).sql).toBe('(NOT coalesce((c.churn_band = ANY($1::text[])), false))');
  });
});

describe('compileRule: dates', () => {
  const sqlAndParams = (rule: unknown, timeZone?: string) => compile(rule, { timeZone });

  it('relative dates resolve against now; withinLast is from now − span on', () => {
    expect(sqlAndParams(cond('lastOrderAt', 'gte', { hoursAgo: 2 }))).toEqual({
      sql: '(c.last_order_at >= $1::timestamptz)',
      params: ['2026-06-30T10:00:00.000Z'],
    });
    expect(sqlAndParams(cond('lastTouchAt', 'withinLast', { days: 30 }))).toEqual({
      sql: '(c.last_touch_at >= $1::timestamptz)',
      params: ['2026-05-31T12:00:00.000Z'],
    });
  });

  it('notWithinLast is the exact complement of withinLast, so it includes contacts who never ordered', () => {
    expect(sqlAndParams(cond('lastOrderAt', 'notWithinLast', { days: 90 })).sql).toBe(
      '(NOT coalesce((c.last_order_at >= $1::timestamptz), false))',
    );
  });

  it('a calendar day is the whole day: eq, gt and lte use day boundaries', () => {
    expect(sqlAndParams(cond('createdAt', 'eq', '2026-03-01'))).toEqual({
      sql: '(c.created_at >= $1::timestamptz AND c.created_at < $2::timestamptz)',
      params: ['2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z'],
    });
    expect(sqlAndParams(cond('createdAt', 'gt', '2026-03-01')).sql).toBe('(c.created_at >= $1::timestamptz)');
    expect(sqlAndParams(cond('createdAt', 'gt', '2026-03-01')).params).toEqual(['2026-03-02T00:00:00.000Z']);
    expect(sqlAndParams(cond('createdAt', 'lte', '2026-03-01')).sql).toBe('(c.created_at < $1::timestamptz)');
    expect(sqlAndParams(cond('createdAt', 'lt', '2026-03-01')).params).toEqual(['2026-03-01T00:00:00.000Z']);
  });

  it('days are local to the tenant time zone, across a DST change', () => {
    // Berlin: CET (+01:00) on 28 March, CEST (+02:00) from 29 March 2026.
    expect(sqlAndParams(cond('createdAt', 'between', ['2026-03-28', '2026-03-29']), 'Europe/Berlin').params).toEqual([
      '2026-03-27T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ]);
  });

  it('timestamps keep their offset; without one they are local time in the zone', () => {
    expect(sqlAndParams(cond('createdAt', 'gte', '2026-01-15T09:30:00+02:00')).params).toEqual(['2026-01-15T07:30:00.000Z']);
    expect(sqlAndParams(cond('createdAt', 'gte', '2026-01-15T09:30'), 'America/New_York').params).toEqual(['2026-01-15T14:30:00.000Z']);
  });

  it('days ago are calendar days in the zone (same local time across DST)', () => {
    const spring = new Date('2026-04-01T10:00:00.000Z'); // 12:00 in Berlin (CEST)
    expect(compile(cond('lastOrderAt', 'lt', { daysAgo: 7 }), { now: spring, timeZone: 'Europe/Berlin' }).params).toEqual([
      '2026-03-25T11:00:00.000Z', // 12:00 CET
    ]);
  });

  it('rejects a bad time zone or now as a programming error', () => {
    expect(() => compile(cond('tier', 'eq', 'gold'), { timeZone: 'Mars/Base' })).toThrow(/IANA/);
    expect(() => compile(cond('tier', 'eq', 'gold'), { now: new Date('nope') })).toThrow(/valid Date/);
    expect(() => compile(cond('tier', 'eq', 'gold'), { paramOffset: -1 })).toThrow(/paramOffset/);
  });
});

describe('compileRule: NULL semantics and not', () => {
  it('not of something that can be NULL treats NULL as no match', () => {
    expect(compile({ not: cond('tier', 'eq', 'gold') }).sql).toBe('(NOT coalesce((c.tier = $1::text), false))');
  });

  it('not of something that is never NULL needs no coalesce', () => {
    expect(compile({ not: cond('openComplaints', 'gt', 0) }).sql).toBe('(NOT (c.open_complaints > $1::integer))');
  });

  it('not over a group wraps the whole group', () => {
    expect(compile({ not: { or: [cond('tier', 'eq', 'gold'), cond('openCases', 'gt', 0)] } }).sql).toBe(
      '(NOT coalesce(((c.tier = $1::text) OR (c.open_cases > $2::integer)), false))',
    );
  });

  it('a group of one is just its rule; double not stays correct', () => {
    expect(compile({ and: [{ or: [cond('openCases', 'eq', 1)] }] }).sql).toBe('(c.open_cases = $1::integer)');
    expect(compile({ not: { not: cond('tier', 'eq', 'gold') } }).sql).toBe('(NOT (NOT coalesce((c.tier = $1::text), false)))');
  });
});

describe('compileRule: attributes and journey context', () => {
  it('attributes: number and boolean equality by containment (GIN-indexable)', () => {
    expect(compile(cond('attributes.offer_sent', 'eq', true))).toEqual({
      sql: '(c.attributes @> $1::jsonb)',
      params: ['{"offer_sent":true}'],
    });
    expect(compile(cond('attributes.score', 'ne', 3)).sql).toBe('(NOT (c.attributes @> $1::jsonb))');
  });

  it('attributes: strings case-insensitively, numbers numerically, other JSON types never match', () => {
    expect(compile(cond('attributes.code', 'eq', 'ABC'))).toEqual({
      sql: "(lower(CASE WHEN jsonb_typeof((c.attributes -> $1::text)) = 'string' THEN (c.attributes -> $1::text) #>> '{}' END) = $2::text)",
      params: ['code', 'abc'],
    });
    expect(compile(cond('attributes.score', 'gte', 3))).toEqual({
      sql: "((CASE WHEN jsonb_typeof((c.attributes -> $1::text)) = 'number' THEN (c.attributes -> $1::text)::numeric END) >= $2::numeric)",
      params: ['score', 3],
    });
    expect(compile(cond('attributes.score', 'isNotSet')).sql).toBe(
      "(NOT (coalesce(jsonb_typeof((c.attributes -> $1::text)), 'null') <> 'null'))",
    );
  });

  const journey = { event: { band: 'HIGH', tier: 'gold', cart: { value: 120 } }, entryAt: new Date('2026-06-30T10:00:00.000Z') };

  it('"churn_risk_changed to high and tier ≥ gold": event data is one jsonb parameter', () => {
    const rule = { and: [cond('event.band', 'eq', 'high'), cond('tier', 'gte', 'gold'), cond('event.cart.value', 'gt', 100)] };
    expect(compile(rule, { scope: 'journey', journey })).toEqual({
      sql:
        "((lower(CASE WHEN jsonb_typeof(($1::jsonb #> $2::text[])) = 'string' THEN ($1::jsonb #> $2::text[]) #>> '{}' END) = $3::text)" +
        ' AND (c.tier = ANY($4::text[])) AND ' +
        "((CASE WHEN jsonb_typeof(($1::jsonb #> $5::text[])) = 'number' THEN ($1::jsonb #> $5::text[])::numeric END) > $6::numeric))",
      params: [JSON.stringify(journey.event), ['band'], 'high', ['gold', 'platinum'], ['cart', 'value'], 100],
    });
  });

  it('ordersSinceEntry counts placed orders after the entry time', () => {
    expect(compile(cond('ordersSinceEntry', 'eq', 0), { scope: 'journey', journey })).toEqual({
      sql: "((SELECT count(*) FROM contact_orders o WHERE o.contact_id = c.id AND o.status = 'PLACED' AND o.occurred_at > $1::timestamptz) = $2::integer)",
      params: ['2026-06-30T10:00:00.000Z', 0],
    });
  });

  it('journey fields without the journey context are a programming error', () => {
    expect(() => compile(cond('event.band', 'eq', 'HIGH'), { scope: 'journey' })).toThrow(/options.journey/);
  });
});
