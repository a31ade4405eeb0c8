// The fields of marketing's contact read model (`contacts c`) and its related
// tables, by the names rules use. SQL here is the only SQL text a rule can
// reach; values always travel as parameters.

import { CHURN_BANDS } from '@rapport/contracts';
import { createCatalog, type ColumnRef, type FieldDefinition, type JsonFieldFamily } from './field-catalog';

const contacts = (...columns: string[]): ColumnRef[] => columns.map((column) => ({ table: 'contacts', column }));

/** Counts only placed orders: a refund or cancellation is a row of its own, not another order. */
const PLACED_ORDERS = `SELECT count(*) FROM contact_orders o WHERE o.contact_id = c.id AND o.status = 'PLACED'`;

const NOT_NULL_OPS = { ops: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'notIn'] } as const;

export const DEFAULT_FIELDS: Readonly<Record<string, FieldDefinition>> = {
  firstName: {
    type: 'text',
    sql: 'c.first_name',
    nullable: true,
    caseFold: 'lower',
    columns: contacts('first_name'),
    description: 'First name',
  },
  lastName: {
    type: 'text',
    sql: 'c.last_name',
    nullable: true,
    caseFold: 'lower',
    columns: contacts('last_name'),
    description: 'Last name',
  },
  email: {
    type: 'text',
    sql: 'c.email',
    nullable: true,
    caseFold: 'storedLower',
    columns: contacts('email'),
    description: 'Primary email address',
  },
  emails: {
    type: 'textArray',
    sql: 'c.emails',
    caseFold: 'storedLower',
    columns: contacts('emails'),
    description: 'Any of the email addresses',
  },
  phone: { type: 'text', sql: 'c.phone', nullable: true, caseFold: 'exact', columns: contacts('phone'), description: 'Primary phone' },
  phones: { type: 'textArray', sql: 'c.phones', caseFold: 'exact', columns: contacts('phones'), description: 'Any of the phone numbers' },
  accountId: { type: 'uuid', sql: 'c.account_id', nullable: true, columns: contacts('account_id'), description: 'Account (company)' },
  ownerId: { type: 'uuid', sql: 'c.owner_id', nullable: true, columns: contacts('owner_id'), description: 'Owning sales user' },
  createdAt: { type: 'date', sql: 'c.created_at', nullable: true, columns: contacts('created_at'), description: 'Created in sales' },
  rfmSegment: {
    type: 'enum',
    sql: 'c.rfm_segment_key',
    nullable: true,
    ordered: false,
    options: (schema) => schema.rfmSegments?.map((s) => ({ value: s.key, label: s.name })),
    openMatchSql: ['c.rfm_segment_key', 'c.rfm_segment_name'],
    optionsFrom: 'rfmSegments',
    columns: contacts('rfm_segment_key', 'rfm_segment_name'),
    aliases: ['segment', 'rfm'],
    description: 'RFM segment, by key or name ("at-risk" or "At risk")',
  },
  rfmScore: {
    type: 'text',
    sql: 'c.rfm_score',
    nullable: true,
    caseFold: 'exact',
    pattern: { regex: /^[1-5]{3}$/, hint: 'three digits 1–5 (R, F, M), e.g. "545"' },
    columns: contacts('rfm_score'),
    description: 'RFM cell, e.g. "545"; startsWith "5" is recency 5',
  },
  recency: {
    type: 'integer',
    sql: 'c.rfm_recency_days',
    nullable: true,
    min: 0,
    columns: contacts('rfm_recency_days'),
    aliases: ['recencyDays'],
    description: 'Days since the last purchase at the last RFM run',
  },
  frequency: {
    type: 'integer',
    sql: 'c.rfm_frequency',
    nullable: true,
    min: 0,
    columns: contacts('rfm_frequency'),
    description: 'Purchases in the RFM window',
  },
  monetary: {
    type: 'decimal',
    sql: 'c.rfm_monetary',
    nullable: true,
    columns: contacts('rfm_monetary'),
    description: 'Net spend in the RFM window',
  },
  tier: {
    type: 'enum',
    sql: 'c.tier',
    nullable: true,
    ordered: true,
    // tierOrder is best first; options are lowest first.
    options: (schema) => schema.tierOrder && [...schema.tierOrder].reverse().map((value) => ({ value })),
    openMatchSql: ['c.tier'],
    optionsFrom: 'tierOrder',
    columns: contacts('tier'),
    aliases: ['clvTier', 'valueTier'],
    description: 'CLV tier; gte "gold" is gold or better',
  },
  clv: { type: 'decimal', sql: 'c.clv', nullable: true, columns: contacts('clv'), description: 'Customer lifetime value' },
  churnBand: {
    type: 'enum',
    sql: 'c.churn_band',
    nullable: true,
    ordered: true,
    options: CHURN_BANDS.map((value) => ({ value })),
    columns: contacts('churn_band'),
    aliases: ['churn'],
    description: 'Churn-risk band, LOW < MEDIUM < HIGH',
  },
  churnRisk: {
    type: 'float',
    sql: 'c.churn_risk',
    nullable: true,
    min: 0,
    max: 1,
    columns: contacts('churn_risk'),
    description: 'Churn risk, 0 to 1',
  },
  openCases: {
    type: 'integer',
    sql: 'c.open_cases',
    nullable: false,
    min: 0,
    ...NOT_NULL_OPS,
    columns: contacts('open_cases'),
    description: 'Open service cases',
  },
  openComplaints: {
    type: 'integer',
    sql: 'c.open_complaints',
    nullable: false,
    min: 0,
    ...NOT_NULL_OPS,
    columns: contacts('open_complaints'),
    description: 'Open complaint cases',
  },
  hasOpenComplaint: {
    type: 'boolean',
    sql: 'c.open_complaints > 0',
    nullable: false,
    ops: ['eq', 'ne'],
    columns: contacts('open_complaints'),
    aliases: ['openComplaint', 'complaint', 'hasComplaint', 'noOpenComplaint'],
    description: 'Has at least one open complaint',
  },
  hasOpenCase: {
    type: 'boolean',
    sql: 'c.open_cases > 0',
    nullable: false,
    ops: ['eq', 'ne'],
    columns: contacts('open_cases'),
    description: 'Has at least one open service case',
  },
  firstOrderAt: { type: 'date', sql: 'c.first_order_at', nullable: true, columns: contacts('first_order_at'), description: 'First order' },
  lastOrderAt: {
    type: 'date',
    sql: 'c.last_order_at',
    nullable: true,
    columns: contacts('last_order_at'),
    aliases: ['lastOrder', 'lastPurchaseAt'],
    description: 'Last order',
  },
  ordersCount: {
    type: 'integer',
    sql: 'c.orders_count',
    nullable: false,
    min: 0,
    ...NOT_NULL_OPS,
    columns: contacts('orders_count'),
    aliases: ['orders'],
    description: 'Orders ever placed',
  },
  lastTouchAt: {
    type: 'date',
    sql: 'c.last_touch_at',
    nullable: true,
    columns: contacts('last_touch_at'),
    description: 'Last marketing message sent',
  },
  ordersInLast: {
    type: 'integer',
    sql: `(${PLACED_ORDERS} AND o.occurred_at >= {since})`,
    nullable: false,
    min: 0,
    window: 'required',
    ...NOT_NULL_OPS,
    columns: [
      { table: 'contact_orders', column: 'contact_id' },
      { table: 'contact_orders', column: 'occurred_at' },
    ],
    description: 'Placed orders within `window` (e.g. { "days": 30 }) before now',
  },
  inSegment: {
    type: 'idSet',
    sql: 'EXISTS (SELECT 1 FROM segment_members sm WHERE sm.contact_id = c.id AND sm.segment_id = ANY({ids}))',
    columns: [
      { table: 'segment_members', column: 'contact_id' },
      { table: 'segment_members', column: 'segment_id' },
    ],
    description: 'Member of a static segment (segment ids)',
  },
  receivedCampaign: {
    type: 'idSet',
    sql: 'EXISTS (SELECT 1 FROM messages m WHERE m.contact_id = c.id AND m.campaign_id = ANY({ids}){window})',
    windowSql: ' AND m.sent_at >= {since}',
    columns: [
      { table: 'messages', column: 'contact_id' },
      { table: 'messages', column: 'campaign_id' },
    ],
    description: 'Was sent a message of one of these campaigns (optionally within `window`)',
  },
  receivedJourney: {
    type: 'idSet',
    sql: 'EXISTS (SELECT 1 FROM messages m WHERE m.contact_id = c.id AND m.journey_id = ANY({ids}){window})',
    windowSql: ' AND m.sent_at >= {since}',
    columns: [
      { table: 'messages', column: 'contact_id' },
      { table: 'messages', column: 'journey_id' },
    ],
    description: 'Was sent a message by one of these journeys (optionally within `window`)',
  },
  ordersSinceEntry: {
    type: 'integer',
    sql: `(${PLACED_ORDERS} AND o.occurred_at > {entryAt})`,
    nullable: false,
    min: 0,
    journeyOnly: true,
    ...NOT_NULL_OPS,
    columns: [
      { table: 'contact_orders', column: 'contact_id' },
      { table: 'contact_orders', column: 'occurred_at' },
    ],
    description: 'Placed orders since the contact entered the journey',
  },
};

export const DEFAULT_FAMILIES: readonly JsonFieldFamily[] = [
  {
    type: 'json',
    prefix: 'attributes.',
    keyStyle: 'key',
    sql: 'c.attributes -> {key}',
    containmentColumn: 'c.attributes',
    column: { table: 'contacts', column: 'attributes' },
    description: 'A marketing attribute set by journeys, typed by the value compared with',
  },
  {
    type: 'json',
    prefix: 'event.',
    keyStyle: 'path',
    sql: '{event} #> {key}',
    journeyOnly: true,
    description: "The triggering event's data at a dotted path, e.g. event.band",
  },
];

export const DEFAULT_CATALOG = createCatalog(DEFAULT_FIELDS, DEFAULT_FAMILIES);
