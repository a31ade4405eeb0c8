import { DEFAULT_RFM_SEGMENTS, type RfmSegmentDefinition } from '@rapport/clv';
import type { EventActor } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import { compactOutboxRowsSql } from '../messaging/compact-outbox-sql';
import { RFM_CHANGES_OUTBOX_TYPE, RFM_CHANGES_PER_ROW } from './rfm-changes-outbox';
import { segmentRows } from './rfm-segments-param';

/**
 * RFM for a whole tenant in one statement, one pass over its orders in the
 * window — the set-based form of libs/clv `scoreRfm`, with the same rules:
 *
 * - population: contacts with at least one PLACED order in (asOf − window, asOf];
 *   cancelled orders are ignored, refunds (negative) reduce monetary only;
 * - recency = whole days from the last placed order to asOf (whole days, so
 *   two purchases on the same day tie), frequency = placed orders, monetary =
 *   net spend in the reporting currency (the tenant's setting, else the
 *   currency most placed orders in the window use; other currencies count
 *   for recency and frequency but not monetary — there is no FX here);
 * - cut points = percentile_cont(0.2, 0.4, 0.6, 0.8) over the customers;
 *   score = 1 + cut points strictly below the value; recency reversed
 *   (5 − that count). Equal values get equal scores whatever the row order;
 * - segment = first R×F definition (by ordinal) containing the cell,
 *   looked up once per cell (`cells`: 25 of them, ADR 061) and joined to the
 *   customers — searched per customer, it was a third of the statement.
 *
 * Scores are upserted and rows of contacts no longer in the population are
 * deleted in the same statement, so readers see the old set or the new one.
 * The same statement diffs old against new (every CTE reads the snapshot
 * from before the statement, so `old` is the previous recompute): a contact
 * whose cell (R, F, M) or segment changed, that is new, or that dropped out
 * (no placed order in the window any more, or merged away) is returned in
 * `changes`; one whose cell stayed is not, however its raw values moved.
 * `reporting` and `cuts` are one-row aggregates, MATERIALIZED so the planner
 * computes them once: inlined, with stale statistics on a freshly loaded
 * table, it re-ran the percentiles once per customer (minutes, not seconds).
 * $1 tenant, $2 asOf, $3 window days, $4 currency or null, $5 segments (jsonb).
 */
/**
 * The number of the four cut points strictly below a value, without a
 * subquery per customer (three per row were most of the scoring): the cuts
 * are ascending, so those at or above v are those whose negation is at or
 * below −v, which width_bucket counts on the negated cuts in ascending
 * order (NEGATED_CUTS, once per recompute); the rest are below. Exact:
 * negating a float8 rounds nothing.
 */
const NEGATED_CUTS = (cuts: string) => `ARRAY[-${cuts}[4], -${cuts}[3], -${cuts}[2], -${cuts}[1]]`;
const CUTS_BELOW = (value: string, negated: string) => `(4 - width_bucket(-(${value}), ${negated}))`;

const RECOMPUTE_RFM_CTES = `
win AS (
  SELECT o.contact_id, o.occurred_at, o.amount, o.currency, o.status
    FROM orders o
   WHERE o.tenant_id = $1 AND o.contact_id IS NOT NULL AND o.status <> 'CANCELLED'
     AND o.occurred_at > $2::timestamptz - make_interval(days => $3::int) AND o.occurred_at <= $2::timestamptz
),
reporting AS MATERIALIZED (
  SELECT coalesce($4::text, (SELECT mode() WITHIN GROUP (ORDER BY currency) FROM win WHERE status = 'PLACED')) AS currency
),
customers AS (
  SELECT w.contact_id,
         floor(extract(epoch FROM $2::timestamptz - max(w.occurred_at) FILTER (WHERE w.status = 'PLACED')) / 86400)::int AS recency_days,
         count(*) FILTER (WHERE w.status = 'PLACED')::int AS frequency,
         coalesce(sum(w.amount) FILTER (WHERE w.currency = rc.currency), 0) AS monetary
    FROM win w CROSS JOIN reporting rc
   GROUP BY w.contact_id
  HAVING count(*) FILTER (WHERE w.status = 'PLACED') > 0
),
cuts AS MATERIALIZED (
  SELECT percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]::float8[]) WITHIN GROUP (ORDER BY recency_days::float8) AS r_cuts,
         percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]::float8[]) WITHIN GROUP (ORDER BY frequency::float8) AS f_cuts,
         percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]::float8[]) WITHIN GROUP (ORDER BY monetary::float8) AS m_cuts
    FROM customers
),
below AS MATERIALIZED (
  SELECT ${NEGATED_CUTS('r_cuts')} AS r_neg, ${NEGATED_CUTS('f_cuts')} AS f_neg, ${NEGATED_CUTS('m_cuts')} AS m_neg FROM cuts
),
scored AS (
  SELECT c.*,
         5 - ${CUTS_BELOW('c.recency_days::float8', 'k.r_neg')} AS r,
         1 + ${CUTS_BELOW('c.frequency::float8', 'k.f_neg')} AS f,
         1 + ${CUTS_BELOW('c.monetary::float8', 'k.m_neg')} AS m
    FROM customers c CROSS JOIN below k
),
segments AS (
  SELECT * FROM jsonb_to_recordset($5::jsonb) AS s(ordinal int, key text, name text, r_min int, r_max int, f_min int, f_max int)
),
cells AS MATERIALIZED (
  SELECT r, f, seg.key, seg.name
    FROM generate_series(1, 5) r CROSS JOIN generate_series(1, 5) f
    LEFT JOIN LATERAL (
      SELECT s.key, s.name FROM segments s
       WHERE r BETWEEN s.r_min AND s.r_max AND f BETWEEN s.f_min AND s.f_max
       ORDER BY s.ordinal LIMIT 1
    ) seg ON true
),
named AS (
  SELECT sc.*, cl.key AS segment_key, cl.name AS segment_name
    FROM scored sc LEFT JOIN cells cl ON cl.r = sc.r AND cl.f = sc.f
),
old AS (
  SELECT contact_id, r, f, m, segment_key FROM rfm_scores WHERE tenant_id = $1
),
changes AS (
  SELECT coalesce(n.contact_id, o.contact_id) AS "contactId",
         o.segment_key AS "previousSegmentKey",
         CASE WHEN o.contact_id IS NULL THEN NULL ELSE concat(o.r, o.f, o.m) END AS "previousScore",
         n.segment_key AS "segmentKey", n.segment_name AS "segmentName",
         CASE WHEN n.contact_id IS NULL THEN NULL ELSE concat(n.r, n.f, n.m) END AS score,
         n.recency_days AS "recencyDays", n.frequency, n.monetary::text AS monetary,
         CASE WHEN n.contact_id IS NULL THEN NULL ELSE rc.currency END AS currency
    FROM named n FULL JOIN old o ON o.contact_id = n.contact_id CROSS JOIN reporting rc
   WHERE (n.r, n.f, n.m, n.segment_key) IS DISTINCT FROM (o.r, o.f, o.m, o.segment_key)
),
upserted AS (
  INSERT INTO rfm_scores (tenant_id, contact_id, recency_days, frequency, monetary, currency, r, f, m,
                          segment_key, segment_name, window_days, computed_at)
  SELECT $1, n.contact_id, n.recency_days, n.frequency, n.monetary, rc.currency, n.r, n.f, n.m,
         n.segment_key, n.segment_name, $3, $2
    FROM named n CROSS JOIN reporting rc
  ON CONFLICT (tenant_id, contact_id) DO UPDATE SET
    recency_days = EXCLUDED.recency_days, frequency = EXCLUDED.frequency, monetary = EXCLUDED.monetary,
    currency = EXCLUDED.currency, r = EXCLUDED.r, f = EXCLUDED.f, m = EXCLUDED.m,
    segment_key = EXCLUDED.segment_key, segment_name = EXCLUDED.segment_name,
    window_days = EXCLUDED.window_days, computed_at = EXCLUDED.computed_at
  RETURNING 1
),
removed AS (
  DELETE FROM rfm_scores s
   WHERE s.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM named n WHERE n.contact_id = s.contact_id)
  RETURNING 1
)`;

/** The recompute, returning its changes (ordered by contact) for the caller to announce. */
export const RECOMPUTE_RFM_SQL = `
WITH ${RECOMPUTE_RFM_CTES}
SELECT (SELECT count(*) FROM upserted)::int AS scored,
       (SELECT count(*) FROM removed)::int AS removed,
       (SELECT currency FROM reporting) AS currency,
       (SELECT coalesce(jsonb_agg(to_jsonb(c) ORDER BY c."contactId"), '[]'::jsonb) FROM changes c) AS changes`;

/**
 * The recompute that records its changes itself (ADR 061, as a full CLV
 * scoring's chunks do since ADR 060): the changed contacts go into the
 * outbox as compact rows of RFM_CHANGES_OUTBOX_TYPE, up to
 * RFM_CHANGES_PER_ROW contacts a row in contact order, the envelope fields
 * every rfm_changed event of the run shares once per row. The relay expands
 * a row (expandRfmChanges) into exactly the events announcing RECOMPUTE_RFM_SQL's
 * changes gave, so no contact comes back to Node and no envelope is built
 * per contact. Rows are UUID v7 of $6 and dated a microsecond apart, so
 * they are published in order, before anything the caller publishes after.
 * Parameters: RECOMPUTE_RFM_SQL's ($1–$5), then $6 occurredAt (ISO), $7 the
 * actor (jsonb), $8 the writer's trace context (jsonb or null), $9 asOf as
 * the events carry it (ISO; $2 is typed timestamptz). Returns the
 * counts: scored, removed, currency, changed, rows.
 */
export const RECOMPUTE_AND_RECORD_RFM_SQL = `
WITH ${RECOMPUTE_RFM_CTES},
numbered AS MATERIALIZED (
  SELECT c.*, row_number() OVER (ORDER BY c."contactId") - 1 AS i FROM changes c
),
recorded AS (
  ${compactOutboxRowsSql({
    at: '$6::text::timestamptz',
    type: RFM_CHANGES_OUTBOX_TYPE,
    envelope: `json_build_object('tenantId', $1::uuid, 'occurredAt', $6::text, 'asOf', $9::text, 'actor', $7::jsonb, 'trace', $8::jsonb,
      'customers', json_agg(json_build_array(
      c."contactId", c."previousSegmentKey", c."previousScore", c."segmentKey", c."segmentName", c.score,
      c."recencyDays", c.frequency, c.monetary, c.currency) ORDER BY c.i))::jsonb`,
    from: 'numbered',
    perRow: RFM_CHANGES_PER_ROW,
  })}
)
SELECT (SELECT count(*) FROM upserted)::int AS scored,
       (SELECT count(*) FROM removed)::int AS removed,
       (SELECT currency FROM reporting) AS currency,
       (SELECT count(*) FROM numbered)::int AS changed,
       (SELECT count(*) FROM recorded)::int AS rows`;

export interface RfmRecomputeParams {
  tenantId: string;
  asOf: Date;
  windowDays: number;
  /** Reporting currency; null lets the data choose (see above). */
  currency: string | null;
  segments?: readonly RfmSegmentDefinition[];
}

/** A contact whose RFM cell or segment the recompute changed (all "new" fields null when it dropped out). */
export interface RfmChange {
  contactId: string;
  previousSegmentKey: string | null;
  previousScore: string | null;
  segmentKey: string | null;
  segmentName: string | null;
  score: string | null;
  recencyDays: number | null;
  frequency: number | null;
  /** The column's text (4 decimals); the event shows it at the currency's minor units. */
  monetary: string | null;
  currency: string | null;
}

export interface RfmRecomputeResult {
  customersScored: number;
  customersRemoved: number;
  currency: string | null;
  changes: RfmChange[];
}

const recomputeParams = (p: RfmRecomputeParams) => [
  p.tenantId,
  p.asOf.toISOString(),
  p.windowDays,
  p.currency,
  JSON.stringify(segmentRows(p.segments ?? DEFAULT_RFM_SEGMENTS)),
];

/** Runs the statement in the caller's tenant transaction; every value is a bound parameter. */
export async function recomputeRfmScores(em: EntityManager, p: RfmRecomputeParams): Promise<RfmRecomputeResult> {
  const [row]: { scored: number; removed: number; currency: string | null; changes: RfmChange[] }[] = await em.query(
    RECOMPUTE_RFM_SQL,
    recomputeParams(p),
  );
  return { customersScored: row.scored, customersRemoved: row.removed, currency: row.currency, changes: row.changes };
}

/** What a recompute that recorded its changes reports (RECOMPUTE_AND_RECORD_RFM_SQL). */
export interface RecordedRfmRecompute {
  customersScored: number;
  customersRemoved: number;
  currency: string | null;
  /** Contacts announced (one rfm_changed each, in the outbox's compact rows). */
  customersChanged: number;
}

/**
 * recomputeRfmScores whose changes are written to the outbox by the
 * statement itself (RECOMPUTE_AND_RECORD_RFM_SQL), as `actor`'s events
 * occurring now, with the writer's `trace` context.
 */
export async function recomputeAndRecordRfmScores(
  em: EntityManager,
  p: RfmRecomputeParams,
  announce: { actor: EventActor; trace: Record<string, string> | null },
): Promise<RecordedRfmRecompute> {
  const [row]: { scored: number; removed: number; currency: string | null; changed: number }[] = await em.query(
    RECOMPUTE_AND_RECORD_RFM_SQL,
    [
      ...recomputeParams(p),
      new Date().toISOString(),
      JSON.stringify(announce.actor),
      announce.trace ? JSON.stringify(announce.trace) : null,
      p.asOf.toISOString(),
    ],
  );
  return { customersScored: row.scored, customersRemoved: row.removed, currency: row.currency, customersChanged: row.changed };
}
