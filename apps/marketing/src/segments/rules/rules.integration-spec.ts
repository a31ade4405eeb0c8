// Compiled rules on a real PostgreSQL: a throwaway schema with the read-model
// tables, a handful of contacts chosen for their edge cases (missing values,
// quotes, LIKE wildcards, a merged contact), and the contacts each rule must
// select. Every rule's `not` must select exactly the others.

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { compileRule, type CompileOptions } from './index';

const now = new Date('2026-06-30T12:00:00.000Z');
const TIERS = ['platinum', 'gold', 'silver', 'bronze'];
const SEGMENTS = [
  { key: 'at-risk', name: 'At risk' },
  { key: 'cant-lose-them', name: "Can't lose them" },
  { key: 'champions', name: 'Champions' },
  { key: 'hibernating', name: 'Hibernating' },
];
const HOSTILE = "'; DROP TABLE contacts; --";

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ID = { anna: id(1), ben: id(2), cara: id(3), dan: id(4), eve: id(5), mal: id(6), zed: id(7) } as const;
type Name = keyof typeof ID;
const ALL: Name[] = ['anna', 'ben', 'cara', 'dan', 'eve', 'mal']; // zed is merged into anna and never selected
const NAME_OF = new Map(Object.entries(ID).map(([name, uuid]) => [uuid, name as Name]));
const [S1, S2, C1, J1, OWNER1, OWNER2, ACCOUNT] = [101, 102, 201, 301, 401, 402, 501].map(id);

const SCHEMA_SQL = `
  CREATE TABLE contacts (
    id uuid PRIMARY KEY, first_name text, last_name text, email text, emails text[], phone text, phones text[],
    account_id uuid, owner_id uuid, created_at timestamptz, rfm_segment_key text, rfm_segment_name text, rfm_score text,
    rfm_recency_days int, rfm_frequency int, rfm_monetary numeric, tier text, clv numeric, churn_band text,
    churn_risk double precision, open_cases int NOT NULL DEFAULT 0, open_complaints int NOT NULL DEFAULT 0,
    first_order_at timestamptz, last_order_at timestamptz, orders_count int NOT NULL DEFAULT 0, last_touch_at timestamptz,
    attributes jsonb NOT NULL DEFAULT '{}', merged_into uuid);
  CREATE TABLE segment_members (segment_id uuid NOT NULL, contact_id uuid NOT NULL);
  CREATE TABLE messages (contact_id uuid NOT NULL, campaign_id uuid, journey_id uuid, sent_at timestamptz NOT NULL);
  CREATE TABLE contact_orders (contact_id uuid NOT NULL, occurred_at timestamptz NOT NULL, amount numeric NOT NULL, status text NOT NULL);`;

const CONTACTS: Record<string, unknown>[] = [
  {
    id: ID.anna,
    first_name: 'Anna',
    last_name: "O'Brien",
    email: 'anna@acme.com',
    emails: ['anna@acme.com', 'anna.private@mail.org'],
    phone: '+4930111',
    phones: ['+4930111'],
    account_id: ACCOUNT,
    owner_id: OWNER1,
    created_at: '2024-01-01T10:00:00Z',
    rfm_segment_key: 'at-risk',
    rfm_segment_name: 'At risk',
    rfm_score: '245',
    rfm_recency_days: 120,
    rfm_frequency: 8,
    rfm_monetary: '1250.50',
    tier: 'platinum',
    clv: '5000.25',
    churn_band: 'HIGH',
    churn_risk: 0.7,
    open_cases: 1,
    first_order_at: '2024-01-10T00:00:00Z',
    last_order_at: '2026-03-01T09:00:00Z',
    orders_count: 8,
    last_touch_at: '2026-06-28T08:00:00Z',
    attributes: { offer_sent: true, score: 3, code: '50%_off' },
  },
  {
    id: ID.ben,
    first_name: 'Ben',
    last_name: 'Miller',
    email: 'ben@beta.io',
    emails: ['ben@beta.io'],
    account_id: ACCOUNT,
    owner_id: OWNER2,
    created_at: '2025-06-15T08:00:00Z',
    rfm_segment_key: 'cant-lose-them',
    rfm_segment_name: "Can't lose them",
    rfm_score: '155',
    rfm_recency_days: 200,
    rfm_frequency: 12,
    rfm_monetary: '9000',
    tier: 'gold',
    clv: '3000',
    churn_band: 'MEDIUM',
    churn_risk: 0.45,
    open_cases: 1,
    open_complaints: 1,
    first_order_at: '2023-05-01T00:00:00Z',
    last_order_at: '2026-01-15T00:00:00Z',
    orders_count: 12,
    last_touch_at: '2026-05-01T00:00:00Z',
    attributes: { score: 5, offer_sent: false, code: 'WELCOME' },
  },
  {
    id: ID.cara,
    first_name: 'Cara',
    last_name: 'Smith',
    emails: [],
    phone: '+4940222',
    phones: ['+4940222', '+4930999'],
    owner_id: OWNER1,
    created_at: '2026-03-01T12:00:00Z',
    rfm_segment_key: 'champions',
    rfm_segment_name: 'Champions',
    rfm_score: '555',
    rfm_recency_days: 5,
    rfm_frequency: 20,
    rfm_monetary: '20000',
    tier: 'silver',
    clv: '800',
    churn_band: 'LOW',
    churn_risk: 0.05,
    first_order_at: '2025-01-01T00:00:00Z',
    last_order_at: '2026-06-25T00:00:00Z',
    orders_count: 20,
    attributes: { score: '3' },
  },
  { id: ID.dan, first_name: 'Dan', created_at: '2026-06-29T00:00:00Z' },
  {
    id: ID.eve,
    first_name: 'Eve',
    last_name: 'Back\\slash',
    email: 'eve@x.org',
    emails: ['eve@x.org'],
    created_at: '2025-05-01T00:00:00Z',
    rfm_segment_key: 'hibernating',
    rfm_segment_name: 'Hibernating',
    rfm_score: '111',
    rfm_recency_days: 400,
    rfm_frequency: 1,
    rfm_monetary: '20',
    tier: 'bronze',
    clv: '10',
    churn_band: 'HIGH',
    churn_risk: 0.9,
    last_order_at: '2025-05-01T00:00:00Z',
    orders_count: 1,
    attributes: { score: null, offer_sent: 'yes' },
  },
  { id: ID.mal, first_name: HOSTILE, last_name: '50%_off', email: 'x@y.z', attributes: { code: HOSTILE } },
  { id: ID.zed, first_name: 'Anna', tier: 'platinum', merged_into: ID.anna },
];

describe('compiled rules on PostgreSQL', () => {
  const schema = `rules_${randomBytes(3).toString('hex')}_${process.env.RAPPORT_TEST_RUN_ID}`;
  const db = new Client({ connectionString: process.env.DATABASE_URL, application_name: 'rapport-test-rules' });

  beforeAll(async () => {
    await db.connect();
    await db.query(`CREATE SCHEMA "${schema}"`);
    await db.query(`SET search_path TO "${schema}"`);
    await db.query(SCHEMA_SQL);
    for (const contact of CONTACTS) {
      const columns = Object.keys(contact);
      const values = columns.map((c) => (c === 'attributes' ? JSON.stringify(contact[c]) : contact[c]));
      await db.query(`INSERT INTO contacts (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, values);
    }
    await db.query(`INSERT INTO segment_members VALUES ($1, $2), ($1, $3), ($4, $5)`, [S1, ID.anna, ID.cara, S2, ID.ben]);
    await db.query(
      `INSERT INTO messages (contact_id, campaign_id, journey_id, sent_at) VALUES
         ($1, $4, NULL, '2026-06-28T08:00:00Z'), ($2, $4, NULL, '2026-05-01T00:00:00Z'), ($3, NULL, $5, '2026-06-29T00:00:00Z')`,
      [ID.anna, ID.ben, ID.cara, C1, J1],
    );
    await db.query(
      `INSERT INTO contact_orders VALUES
         ($1, '2026-06-29T10:00:00Z', 100, 'PLACED'), ($2, '2026-06-29T11:00:00Z', 50, 'CANCELLED'),
         ($3, '2026-06-10T00:00:00Z', 30, 'PLACED'), ($3, '2026-06-25T00:00:00Z', 30, 'PLACED')`,
      [ID.anna, ID.ben, ID.cara],
    );
  });

  afterAll(async () => {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  });

  const base: CompileOptions = { now, tierOrder: TIERS, rfmSegments: SEGMENTS };

  async function select(rule: unknown, options: Partial<CompileOptions> = {}): Promise<Name[]> {
    const { sql, params } = compileRule(rule, { ...base, ...options, paramOffset: 1 });
    const { rows } = await db.query<{ id: string }>(
      `SELECT c.id FROM contacts c WHERE c.merged_into IS NULL AND c.id <> $1 AND ${sql} ORDER BY c.id`,
      [id(999), ...params],
    );
    return rows.map((r) => NAME_OF.get(r.id) as Name);
  }

  const c = (field: string, op: string, value?: unknown, extra: object = {}) => ({
    field,
    op,
    ...(value === undefined ? {} : { value }),
    ...extra,
  });
  const example = {
    and: [
      c('rfmSegment', 'in', ['At risk', "Can't lose them"]),
      c('tier', 'eq', 'platinum'),
      c('hasOpenComplaint', 'eq', false),
      c('lastOrderAt', 'lt', { daysAgo: 90 }),
    ],
  };
  const journey = { event: { band: 'HIGH', cart: { value: 120 } }, entryAt: new Date('2026-06-29T00:00:00.000Z') };
  const inJourney: Partial<CompileOptions> = { scope: 'journey', journey };

  const cases: [string, unknown, Name[], Partial<CompileOptions>?][] = [
    ['the issue example', example, ['anna']],
    ['the issue example without tenant lists', example, ['anna'], { tierOrder: undefined, rfmSegments: undefined }],
    [
      'RFM segment by any spelling, unknown list',
      c('rfmSegment', 'in', ['at_risk', "CAN'T LOSE THEM"]),
      ['anna', 'ben'],
      { rfmSegments: undefined },
    ],
    ['tier ≥ gold', c('tier', 'gte', 'gold'), ['anna', 'ben']],
    ['tier < gold', c('tier', 'lt', 'gold'), ['cara', 'eve']],
    ['tier ≠ gold includes contacts without a tier', c('tier', 'ne', 'gold'), ['anna', 'cara', 'dan', 'eve', 'mal']],
    ['tier notIn', c('tier', 'notIn', ['platinum', 'gold']), ['cara', 'dan', 'eve', 'mal']],
    ['tier isNotSet', c('tier', 'isNotSet'), ['dan', 'mal']],
    ['churn band ≥ MEDIUM', c('churnBand', 'gte', 'medium'), ['anna', 'ben', 'eve']],
    ['first name, case-insensitive', c('firstName', 'eq', 'ANNA'), ['anna']],
    ['a quote in a value', c('lastName', 'eq', "o'brien"), ['anna']],
    ['LIKE wildcards are literal', c('lastName', 'contains', '%_'), ['mal']],
    ['a backslash is literal', c('lastName', 'contains', '\\'), ['eve']],
    ['startsWith', c('lastName', 'startsWith', 'mi'), ['ben']],
    ['email endsWith', c('email', 'endsWith', '@ACME.com'), ['anna']],
    ['email isSet', c('email', 'isSet'), ['anna', 'ben', 'eve', 'mal']],
    ['emails contains', c('emails', 'contains', 'PRIVATE'), ['anna']],
    ['emails in', c('emails', 'in', ['BEN@beta.io', 'nobody@x.org']), ['ben']],
    ['emails notIn includes contacts without emails', c('emails', 'notIn', ['ben@beta.io']), ['anna', 'cara', 'dan', 'eve', 'mal']],
    ['emails isNotSet: NULL or empty', c('emails', 'isNotSet'), ['cara', 'dan', 'mal']],
    ['phones contains', c('phones', 'contains', '4930'), ['anna', 'cara']],
    ['phone eq', c('phone', 'eq', '+4940222'), ['cara']],
    ['recency > 100', c('recency', 'gt', 100), ['anna', 'ben', 'eve']],
    ['frequency between, inclusive', c('frequency', 'between', [8, 12]), ['anna', 'ben']],
    ['orders count in', c('ordersCount', 'in', [0, 1]), ['dan', 'eve', 'mal']],
    ['monetary ≥ an exact decimal', c('monetary', 'gte', '1250.50'), ['anna', 'ben', 'cara']],
    ['clv < 1000', c('clv', 'lt', 1000), ['cara', 'eve']],
    ['clv isNotSet', c('clv', 'isNotSet'), ['dan', 'mal']],
    ['churn risk ≥ 0.45', c('churnRisk', 'gte', 0.45), ['anna', 'ben', 'eve']],
    ['no open complaint', c('hasOpenComplaint', 'eq', false), ['anna', 'cara', 'dan', 'eve', 'mal']],
    ['open cases > 0', c('openCases', 'gt', 0), ['anna', 'ben']],
    ['last order > 90 days ago excludes never-ordered', c('lastOrderAt', 'lt', { daysAgo: 90 }), ['anna', 'ben', 'eve']],
    ['last order within 30 days', c('lastOrderAt', 'withinLast', { days: 30 }), ['cara']],
    ['notWithinLast includes never-ordered', c('lastOrderAt', 'notWithinLast', { days: 30 }), ['anna', 'ben', 'dan', 'eve', 'mal']],
    ['last touch within 72 hours', c('lastTouchAt', 'withinLast', { hours: 72 }), ['anna']],
    ['created on a day (UTC)', c('createdAt', 'eq', '2026-03-01'), ['cara']],
    ['created on a day, Los Angeles', c('createdAt', 'eq', '2026-03-01'), ['cara'], { timeZone: 'America/Los_Angeles' }],
    ['created on a day, Kiritimati (+14)', c('createdAt', 'eq', '2026-03-01'), [], { timeZone: 'Pacific/Kiritimati' }],
    ['created in 2025', c('createdAt', 'between', ['2025-01-01', '2025-12-31']), ['ben', 'eve']],
    ['created after a day', c('createdAt', 'gt', '2026-06-28'), ['dan']],
    ['attribute boolean', c('attributes.offer_sent', 'eq', true), ['anna']],
    ['attribute ne', c('attributes.offer_sent', 'ne', true), ['ben', 'cara', 'dan', 'eve', 'mal']],
    ['attribute string', c('attributes.offer_sent', 'eq', 'YES'), ['eve']],
    ['attribute number ≥', c('attributes.score', 'gte', 3), ['anna', 'ben']],
    ['attribute number eq: a string "3" is not 3', c('attributes.score', 'eq', 3), ['anna']],
    ['attribute string eq: the number 3 is not "3"', c('attributes.score', 'eq', '3'), ['cara']],
    ['attribute isSet: JSON null is not set', c('attributes.score', 'isSet'), ['anna', 'ben', 'cara']],
    ['attribute LIKE is literal', c('attributes.code', 'contains', '%_'), ['anna']],
    ['attribute in', c('attributes.code', 'in', ['welcome', 'other']), ['ben']],
    ['a hostile value is just a value', c('attributes.code', 'eq', HOSTILE), ['mal']],
    ['a hostile name is just a name', c('firstName', 'eq', HOSTILE), ['mal']],
    ['in a static segment', c('inSegment', 'eq', S1), ['anna', 'cara']],
    ['in none of the segments', c('inSegment', 'notIn', [S1, S2]), ['dan', 'eve', 'mal']],
    ['received a campaign', c('receivedCampaign', 'eq', C1), ['anna', 'ben']],
    ['received a campaign this week', c('receivedCampaign', 'eq', C1, { window: { days: 7 } }), ['anna']],
    ['received a journey message', c('receivedJourney', 'in', [J1]), ['cara']],
    ['placed orders this week (cancelled ones do not count)', c('ordersInLast', 'gte', 1, { window: { days: 7 } }), ['anna', 'cara']],
    ['two placed orders this month', c('ordersInLast', 'gte', 2, { window: { days: 30 } }), ['cara']],
    ['owner', c('ownerId', 'eq', OWNER1.toUpperCase()), ['anna', 'cara']],
    ['no account', c('accountId', 'isNotSet'), ['cara', 'dan', 'eve', 'mal']],
    ['RFM score starts with 5', c('rfmScore', 'startsWith', '5'), ['cara']],
    ['RFM score in', c('rfmScore', 'in', ['245', '111']), ['anna', 'eve']],
    ['not not', { not: { not: c('tier', 'eq', 'gold') } }, ['ben']],
    ['not over or', { not: { or: [c('tier', 'eq', 'gold'), c('clv', 'gt', 4000)] } }, ['cara', 'dan', 'eve', 'mal']],
    ['and of or', { and: [{ or: [c('tier', 'eq', 'gold'), c('tier', 'eq', 'silver')] }, c('openCases', 'eq', 0)] }, ['cara']],
    [
      'journey: churn risk to high and tier ≥ gold',
      { and: [c('event.band', 'eq', 'high'), c('tier', 'gte', 'gold')] },
      ['anna', 'ben'],
      inJourney,
    ],
    ['journey: another event', c('event.band', 'eq', 'high'), [], { ...inJourney, journey: { ...journey, event: { band: 'LOW' } } }],
    ['journey: event number at a path', c('event.cart.value', 'gt', 100), ALL, inJourney],
    ['journey: a missing event path', c('event.nope', 'eq', 'x'), [], inJourney],
    ['journey: no order since entry', c('ordersSinceEntry', 'eq', 0), ['ben', 'cara', 'dan', 'eve', 'mal'], inJourney],
  ];

  // A rest parameter: with four named parameters and three-column rows, Jest would wait for a done() callback.
  it.each(cases)('%s', async (...[, rule, expected, options]) => {
    expect(await select(rule, options)).toEqual(expected);
  });

  it.each(cases)('not (%s) selects exactly the other contacts', async (...[, rule, expected, options]) => {
    expect(await select({ not: rule }, options)).toEqual(ALL.filter((n) => !expected.includes(n)));
  });

  it('selected as a value with coalesce, each rule is true or false for every contact, never NULL', async () => {
    const { sql, params } = compileRule({ or: [c('tier', 'eq', 'gold'), c('attributes.score', 'gt', 4)] }, base);
    const { rows } = await db.query<{ id: string; match: boolean | null }>(
      `SELECT c.id, coalesce(${sql}, false) AS match FROM contacts c WHERE c.merged_into IS NULL ORDER BY c.id`,
      params,
    );
    expect(rows.map((r) => [NAME_OF.get(r.id), r.match])).toEqual(ALL.map((n) => [n, n === 'ben']));
  });

  it('hostile strings in every value position run as plain values and leave the tables alone', async () => {
    const hostile = [
      HOSTILE,
      "' OR '1'='1",
      '$1::text); DROP TABLE contacts; --',
      '$$; DELETE FROM contacts; $$',
      "\\'; DROP TABLE contacts; --",
      "U&'\\0027'",
      '/* x */ OR 1=1 --',
      '😀 ʼ’',
    ];
    for (const h of hostile) {
      const rules = [
        c('firstName', 'eq', h),
        c('lastName', 'contains', h),
        c('emails', 'endsWith', h),
        c('rfmSegment', 'in', [h]),
        c('attributes.code', 'in', [h]),
        c('tier', 'eq', h),
      ];
      for (const rule of rules) {
        // mal's first name and attributes.code are the hostile string itself.
        const expected = h === HOSTILE && ['firstName', 'attributes.code'].includes(rule.field) ? ['mal'] : [];
        expect(await select(rule, { tierOrder: undefined, rfmSegments: undefined })).toEqual(expected);
      }
      expect(await select(c('event.band', 'eq', h), { ...inJourney, journey: { ...journey, event: { band: h } } })).toEqual(ALL);
    }
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM contacts');
    expect(rows[0].n).toBe(String(CONTACTS.length));
  });
});
