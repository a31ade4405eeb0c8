import {
  compileRule,
  createCatalog,
  DEFAULT_CATALOG,
  extendCatalog,
  fieldOperators,
  ruleColumns,
  RuleValidationError,
  validateRule,
  type FieldDefinition,
} from './index';

const now = new Date('2026-06-30T12:00:00.000Z');

describe('field catalog', () => {
  it('has every field the read model offers', () => {
    expect([...DEFAULT_CATALOG.fields.keys()].sort()).toEqual(
      [
        'firstName',
        'lastName',
        'email',
        'emails',
        'phone',
        'phones',
        'accountId',
        'ownerId',
        'createdAt',
        'rfmSegment',
        'rfmScore',
        'recency',
        'frequency',
        'monetary',
        'tier',
        'clv',
        'churnBand',
        'churnRisk',
        'openCases',
        'openComplaints',
        'hasOpenComplaint',
        'hasOpenCase',
        'firstOrderAt',
        'lastOrderAt',
        'ordersCount',
        'lastTouchAt',
        'ordersInLast',
        'inSegment',
        'receivedCampaign',
        'receivedJourney',
        'ordersSinceEntry',
      ].sort(),
    );
    expect(DEFAULT_CATALOG.families.map((f) => f.prefix)).toEqual(['attributes.', 'event.']);
  });

  it('narrows operators per field: no isSet on NOT NULL columns, no ordering of unordered enums', () => {
    const ops = (name: string) => fieldOperators(DEFAULT_CATALOG.fields.get(name)!);
    expect(ops('openComplaints')).not.toContain('isSet');
    expect(ops('hasOpenComplaint')).toEqual(['eq', 'ne']);
    expect(ops('rfmSegment')).toEqual(['eq', 'ne', 'in', 'notIn', 'isSet', 'isNotSet']);
    expect(ops('tier')).toContain('gte');
  });

  it('a new field of an existing type needs only a catalog entry', () => {
    const loyaltyPoints: FieldDefinition = {
      type: 'integer',
      sql: 'c.loyalty_points',
      nullable: true,
      min: 0,
      columns: [{ table: 'contacts', column: 'loyalty_points' }],
      description: 'Loyalty points',
    };
    const catalog = extendCatalog(DEFAULT_CATALOG, { loyaltyPoints });
    const rule = {
      and: [
        { field: 'loyaltyPoints', op: 'gte', value: 500 },
        { field: 'tier', op: 'eq', value: 'gold' },
      ],
    };
    expect(compileRule(rule, { now, catalog })).toEqual({
      sql: "((c.loyalty_points >= $1::integer) AND (translate(lower(c.tier), ' _''’', '--') = $2::text))",
      params: [500, 'gold'],
    });
    expect(validateRule(rule)).toMatchObject([{ path: 'rule.and[0].field', code: 'UNKNOWN_FIELD' }]);
  });

  it('a new json family, e.g. consent flags, is a prefix and a template', () => {
    const catalog = extendCatalog(DEFAULT_CATALOG, {}, [
      { type: 'json', prefix: 'consent.', keyStyle: 'key', sql: 'c.consents -> {key}', description: 'Consent flags' },
    ]);
    expect(compileRule({ field: 'consent.email', op: 'isSet' }, { now, catalog }).sql).toBe(
      "(coalesce(jsonb_typeof((c.consents -> $1::text)), 'null') <> 'null')",
    );
  });

  it('refuses malformed definitions when the catalog is built', () => {
    const text = (sql: string): FieldDefinition => ({ type: 'text', sql, nullable: true, caseFold: 'lower', columns: [], description: '' });
    expect(() => createCatalog({ 'bad name': text('c.x') })).toThrow(/not a valid field name/);
    expect(() => createCatalog({ x: text('c.x = {value}') })).toThrow(/unknown placeholder \{value\}/);
    expect(() => createCatalog({ x: { type: 'idSet', sql: 'EXISTS (SELECT 1)', columns: [], description: '' } })).toThrow(
      /needs placeholder \{ids\}/,
    );
    expect(() =>
      createCatalog({
        x: { type: 'integer', sql: '(SELECT count(*) FROM t WHERE t.at >= {since})', nullable: false, columns: [], description: '' },
      }),
    ).toThrow(/unknown placeholder \{since\}/);
    expect(() =>
      createCatalog({}, [
        { type: 'json', prefix: 'a.', keyStyle: 'key', sql: 'c.a -> {key}', description: '' },
        { type: 'json', prefix: 'a.', keyStyle: 'key', sql: 'c.b -> {key}', description: '' },
      ]),
    ).toThrow(/defined twice/);
  });
});

describe('ruleColumns', () => {
  it('lists the distinct columns a rule reads, sorted, with json keys', () => {
    const rule = {
      and: [
        { field: 'rfmSegment', op: 'in', value: ['At risk'] },
        { field: 'tier', op: 'eq', value: 'platinum' },
        { not: { field: 'tier', op: 'eq', value: 'gold' } },
        { field: 'hasOpenComplaint', op: 'eq', value: false },
        { field: 'attributes.offer_sent', op: 'eq', value: true },
        { field: 'inSegment', op: 'eq', value: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
      ],
    };
    expect(ruleColumns(rule)).toEqual([
      { table: 'contacts', column: 'attributes', jsonKey: 'offer_sent' },
      { table: 'contacts', column: 'open_complaints' },
      { table: 'contacts', column: 'rfm_segment_key' },
      { table: 'contacts', column: 'rfm_segment_name' },
      { table: 'contacts', column: 'tier' },
      { table: 'segment_members', column: 'contact_id' },
      { table: 'segment_members', column: 'segment_id' },
    ]);
  });

  it('event data is no column', () => {
    expect(ruleColumns({ field: 'event.band', op: 'eq', value: 'HIGH' }, { scope: 'journey' })).toEqual([]);
  });

  it('throws for an invalid rule', () => {
    expect(() => ruleColumns({ field: 'nope', op: 'eq', value: 1 })).toThrow(RuleValidationError);
  });
});
