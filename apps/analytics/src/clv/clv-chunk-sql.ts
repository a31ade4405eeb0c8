import { OUTBOX_PACK } from '@rapport/messaging';
import type { ChurnBand } from '@rapport/contracts';
import { compactOutboxRowsSql } from '../messaging/compact-outbox-sql';
/** The outbox row type of a full scoring's changed customers (SCORE_AND_RECORD_CHUNK_SQL; expandScoredCustomers). */
export const SCORED_CUSTOMERS_OUTBOX_TYPE = 'analytics.clv.scored-customers';

/**
 * Customers per compact row: up to three events each, so a row expands to
 * at most a pack's worth (OUTBOX_PACK), the most the relay publishes in one
 * transaction (at 3,000 its pipelined publishes timed out under load).
 */
export const SCORED_CUSTOMERS_PER_ROW = Math.floor(OUTBOX_PACK / 3);

/** A scored customer's change flags, bits of the row's second field. */
export const SCORED_CHANGE = { TIER: 1, BAND: 2, FIGURES: 4 } as const;

/**
 * One changed customer in a compact row, in SCORE_AND_RECORD_CHUNK_SQL's
 * order: what its tier, band and value events are made of.
 */
export type ScoredCustomerFields = [
  contactId: string,
  changes: number,
  previousTier: string | null,
  tier: string | null,
  clv: number | null,
  previousBand: ChurnBand | null,
  band: ChurnBand,
  churnRisk: number,
  pAlive: number,
  openComplaints: number,
  activityTrend: number | null,
];

/** A compact row's envelope column: the chunk's common envelope fields once, then its changed customers. */
export interface ScoredCustomersRecord {
  tenantId: string;
  occurredAt: string;
  asOf: string;
  currency: string;
  trace: Record<string, string> | null;
  customers: ScoredCustomerFields[];
}

/** The chunk's rows matching `which`, as customer_values rows (CHUNK_UPSERT_CTES' parameters). */
const WRITE_VALUES_SQL = (which: string) => `
  INSERT INTO customer_values AS c (tenant_id, contact_id, model_id, x, t_x, t, m, p_alive, expected_purchases,
                                    expected_average_spend, clv, currency, churn_risk, churn_band, tier, scored_at,
                                    open_complaints, activity_trend, as_of)
  SELECT $1, v.contact_id, $4::uuid, v.x, v.tx_days / $8::float8, v.t_days / $8::float8, v.m, v.p_alive, v.expected_purchases,
         v.spend, v.clv, $5::text, v.churn_risk, v.churn_band, v.tier, $7::timestamptz, v.open_complaints, v.activity_trend, $6::date
    FROM chunk v WHERE ${which}`;

/**
 * The chunk ($2, $3] of clv_scoring_values and its writes into
 * customer_values. $1 tenant, $4 model id, $5 currency, $6 as-of day,
 * $7 scored at (now), $8 days per unit. Shared by SCORE_CHUNK_SQL and
 * SCORE_AND_RECORD_CHUNK_SQL (below).
 *
 * Customers without a row when the values were computed are inserted
 * plainly, the others upserted (ADR 061): a plain insert skips the
 * speculative insertion, a third of the cost of a first scoring's writes.
 * No row can appear in between: rows are only inserted by scorings, which
 * are serialised per tenant (lockClvScoring); one deleted in between (a
 * merge) comes back through the upsert, as before.
 */
export const CHUNK_UPSERT_CTES = `
chunk AS MATERIALIZED (SELECT * FROM clv_scoring_values WHERE n > $2::int AND n <= $3::int),
inserted AS (
  ${WRITE_VALUES_SQL('NOT v.existed')}
  RETURNING 1
),
updated AS (
  ${WRITE_VALUES_SQL('v.existed')}
  ON CONFLICT (tenant_id, contact_id) DO UPDATE SET
    model_id = EXCLUDED.model_id, x = EXCLUDED.x, t_x = EXCLUDED.t_x, t = EXCLUDED.t, m = EXCLUDED.m,
    p_alive = EXCLUDED.p_alive, expected_purchases = EXCLUDED.expected_purchases,
    expected_average_spend = EXCLUDED.expected_average_spend, clv = EXCLUDED.clv, currency = EXCLUDED.currency,
    churn_risk = EXCLUDED.churn_risk, churn_band = EXCLUDED.churn_band, tier = EXCLUDED.tier, scored_at = EXCLUDED.scored_at,
    open_complaints = EXCLUDED.open_complaints, activity_trend = EXCLUDED.activity_trend, as_of = EXCLUDED.as_of
  RETURNING 1
),
upserted AS (SELECT 1 FROM inserted UNION ALL SELECT 1 FROM updated)`;

/**
 * Writes the customers numbered ($2, $3] and returns those whose band, tier
 * or figures changed (CHUNK_UPSERT_CTES' parameters): incremental scorings,
 * whose events are made in Node after the re-tiering.
 */
export const SCORE_CHUNK_SQL = `
WITH ${CHUNK_UPSERT_CTES}
SELECT (SELECT count(*) FROM upserted)::int AS scored,
       coalesce(jsonb_agg(jsonb_build_object(
         'contactId', v.contact_id, 'clv', v.clv, 'currency', $5::text, 'tier', v.tier, 'previousTier', v.previous_tier,
         'churnBand', v.churn_band, 'previousBand', v.previous_band, 'churnRisk', v.churn_risk, 'pAlive', v.p_alive,
         'openComplaints', v.open_complaints, 'activityTrend', v.activity_trend,
         'bandChanged', v.band_changed, 'tierChanged', v.tier_changed, 'figuresChanged', v.figures_changed))
         FILTER (WHERE v.band_changed OR v.tier_changed OR v.figures_changed), '[]'::jsonb) AS changes
  FROM chunk v`;

/**
 * A full scoring's chunk, written and recorded in one statement (ADR 060):
 * the upsert of CHUNK_UPSERT_CTES, then the chunk's changed customers as
 * compact outbox rows (SCORED_CUSTOMERS_OUTBOX_TYPE, up to
 * SCORED_CUSTOMERS_PER_ROW customers each, in the chunk's order): one array
 * per customer of what its events differ in, the envelope's common fields
 * once per row. The relay expands a row into the tier, band and value
 * events `scoringEvents` makes from the same changes (scored-customers-outbox.ts),
 * so consumers get exactly the per-customer messages they got before, while
 * the scoring writes about a tenth of the bytes and builds no envelope.
 * Row ids are UUID v7 (the chunk's milliseconds, version 7, random rest:
 * Postgres 15 has no uuidv7()); the events' ids are derived from them.
 * Each row is dated one microsecond after the one before, so the relay,
 * reading rows by (created_at, id), publishes them in order.
 *
 * Parameters: those of CHUNK_UPSERT_CTES ($1–$8), then $9 occurredAt (ISO,
 * the chunk's instant), $10 the scoring's asOf (ISO, as value events carry
 * it), $11 the writer's trace context (jsonb, or null when nothing is
 * traced). Floats go into the rows through float8out, whose shortest exact
 * form (extra_float_digits = 1) JSON.parse reads back to the same double.
 * A row is built as json text and parsed into jsonb once (ADR 061): the
 * same value as building it in jsonb, where every customer's array was a
 * jsonb value of its own, merged into the row's — a third of the chunk.
 * Returns the chunk's counts: scored, and the tier, band and value changes
 * (what ClvEngine.score reports).
 */
export const SCORE_AND_RECORD_CHUNK_SQL = `
WITH ${CHUNK_UPSERT_CTES},
changed AS MATERIALIZED (
  SELECT v.*, (row_number() OVER (ORDER BY v.n) - 1) AS i
    FROM chunk v
   WHERE v.band_changed OR v.tier_changed OR v.figures_changed
),
recorded AS (
  ${compactOutboxRowsSql({
    at: '$9::text::timestamptz',
    type: SCORED_CUSTOMERS_OUTBOX_TYPE,
    envelope: `json_build_object('tenantId', $1::uuid, 'occurredAt', $9::text, 'asOf', $10::text, 'currency', $5::text, 'trace', $11::jsonb,
      'customers', json_agg(json_build_array(
      c.contact_id,
      (CASE WHEN c.tier_changed THEN ${SCORED_CHANGE.TIER} ELSE 0 END
      | CASE WHEN c.band_changed THEN ${SCORED_CHANGE.BAND} ELSE 0 END
      | CASE WHEN c.figures_changed THEN ${SCORED_CHANGE.FIGURES} ELSE 0 END),
      c.previous_tier, c.tier, c.clv, c.previous_band, c.churn_band, c.churn_risk, c.p_alive,
      c.open_complaints, c.activity_trend) ORDER BY c.i))::jsonb`,
    from: 'changed',
    perRow: SCORED_CUSTOMERS_PER_ROW,
  })}
)
SELECT (SELECT count(*) FROM upserted)::int AS scored,
       (SELECT count(*) FROM recorded)::int AS rows,
       count(*) FILTER (WHERE c.tier_changed)::int AS "tierChanges",
       count(*) FILTER (WHERE c.band_changed)::int AS "bandChanges",
       count(*) FILTER (WHERE c.figures_changed OR c.tier_changed)::int AS "valueChanges"
  FROM changed c`;

/** What a full scoring's chunk reports (SCORE_AND_RECORD_CHUNK_SQL). */
export interface RecordedChunk {
  scored: number;
  /** Outbox rows written (0 when nobody changed). */
  rows: number;
  tierChanges: number;
  bandChanges: number;
  valueChanges: number;
}
