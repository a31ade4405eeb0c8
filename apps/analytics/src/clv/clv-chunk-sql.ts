import { CUSTOMER_CHURN_RISK_CHANGED, CUSTOMER_TIER_CHANGED, CUSTOMER_VALUE_CHANGED } from '@rapport/contracts';
import { OUTBOX_PACK, PACKED_OUTBOX_TYPE, STORED_TRACE_KEY } from '@rapport/messaging';
import { toFixedSql } from './money-sql';

/**
 * The chunk ($2, $3] of clv_scoring_values and its upsert into
 * customer_values. $1 tenant, $4 model id, $5 currency, $6 as-of day,
 * $7 scored at (now), $8 days per unit. Shared by SCORE_CHUNK_SQL and
 * SCORE_AND_ANNOUNCE_CHUNK_SQL (below).
 */
export const CHUNK_UPSERT_CTES = `
chunk AS MATERIALIZED (SELECT * FROM clv_scoring_values WHERE n > $2::int AND n <= $3::int),
upserted AS (
  INSERT INTO customer_values AS c (tenant_id, contact_id, model_id, x, t_x, t, m, p_alive, expected_purchases,
                                    expected_average_spend, clv, currency, churn_risk, churn_band, tier, scored_at,
                                    open_complaints, activity_trend, as_of)
  SELECT $1, v.contact_id, $4::uuid, v.x, v.tx_days / $8::float8, v.t_days / $8::float8, v.m, v.p_alive, v.expected_purchases,
         v.spend, v.clv, $5::text, v.churn_risk, v.churn_band, v.tier, $7::timestamptz, v.open_complaints, v.activity_trend, $6::date
    FROM chunk v
  ON CONFLICT (tenant_id, contact_id) DO UPDATE SET
    model_id = EXCLUDED.model_id, x = EXCLUDED.x, t_x = EXCLUDED.t_x, t = EXCLUDED.t, m = EXCLUDED.m,
    p_alive = EXCLUDED.p_alive, expected_purchases = EXCLUDED.expected_purchases,
    expected_average_spend = EXCLUDED.expected_average_spend, clv = EXCLUDED.clv, currency = EXCLUDED.currency,
    churn_risk = EXCLUDED.churn_risk, churn_band = EXCLUDED.churn_band, tier = EXCLUDED.tier, scored_at = EXCLUDED.scored_at,
    open_complaints = EXCLUDED.open_complaints, activity_trend = EXCLUDED.activity_trend, as_of = EXCLUDED.as_of
  RETURNING 1
)`;

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
 * A full scoring's chunk, written and announced in one statement (ADR 055):
 * the upsert of CHUNK_UPSERT_CTES, then the chunk's events built as JSON in
 * SQL and inserted as packed outbox rows (ADR 046), so no customer travels
 * to Node and back. The events are exactly those `scoringEvents` and
 * `valueChanges` (clv-events.ts) make from the chunk's changed rows — same
 * types, data, order (tier moves, then band moves, then values, each in the
 * chunk's order), envelope fields and money (toFixedSql = estimateMoney's
 * toFixed); a test compares the two paths customer by customer
 * (clv-chunk-sql.integration-spec.ts). Only the ids and occurredAt are
 * made here: ids are UUID v7 (the occurrence's milliseconds, version 7,
 * random rest: Postgres 15 has no uuidv7()), and each pack is dated one
 * microsecond after the one before, so the relay, reading packs by
 * (created_at, id), publishes them in order.
 *
 * Parameters: those of CHUNK_UPSERT_CTES ($1–$8), then $9 the currency's
 * minor units, $10 occurredAt (ISO, the chunk's instant), $11 the scoring's
 * asOf (ISO, as value events carry it), $12 the writer's trace context
 * (jsonb, or null when nothing is traced: stored as storedEnvelope does).
 * Returns the chunk's counts: scored, and the tier, band and value changes
 * (what ClvEngine.score reports).
 */
export const SCORE_AND_ANNOUNCE_CHUNK_SQL = `
WITH ${CHUNK_UPSERT_CTES},
changed AS MATERIALIZED (
  SELECT v.*, CASE WHEN v.clv IS NOT NULL THEN jsonb_build_object('amount', ${toFixedSql('v.clv', '$9::int')}, 'currency', $5::text) END AS money
    FROM chunk v
   WHERE v.band_changed OR v.tier_changed OR v.figures_changed
),
events AS (
  SELECT 1 AS kind, c.n, '${CUSTOMER_TIER_CHANGED}' AS type, c.contact_id,
         jsonb_build_object('contactId', c.contact_id, 'previousTier', c.previous_tier, 'tier', c.tier, 'clv', c.money) AS data
    FROM changed c
   WHERE c.tier_changed AND c.tier IS NOT NULL AND c.clv IS NOT NULL
  UNION ALL
  SELECT 2, c.n, '${CUSTOMER_CHURN_RISK_CHANGED}', c.contact_id,
         jsonb_build_object('contactId', c.contact_id, 'previousBand', c.previous_band, 'band', c.churn_band,
                            'churnRisk', c.churn_risk, 'pAlive', c.p_alive, 'openComplaints', c.open_complaints,
                            'activityTrend', c.activity_trend)
    FROM changed c
   WHERE c.band_changed
  UNION ALL
  SELECT 3, c.n, '${CUSTOMER_VALUE_CHANGED}', c.contact_id,
         jsonb_build_object('contactId', c.contact_id, 'clv', c.money, 'tier', c.tier, 'churnBand', c.churn_band,
                            'churnRisk', c.churn_risk, 'pAlive', c.p_alive, 'asOf', $11::text)
    FROM changed c
   WHERE c.figures_changed OR c.tier_changed
),
numbered AS (
  SELECT e.*, (row_number() OVER (ORDER BY e.kind, e.n) - 1) AS i,
         encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                PLACING substring(int8send(floor(extract(epoch FROM $10::text::timestamptz) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
                52, 1), 53, 1), 'hex')::uuid AS id
    FROM events e
),
enveloped AS (
  SELECT n.i, n.id,
         jsonb_build_object('id', n.id, 'type', n.type, 'version', 1, 'tenantId', $1::uuid, 'occurredAt', $10::text,
                            'actor', jsonb_build_object('kind', 'system', 'id', NULL), 'subjectId', n.contact_id, 'data', n.data)
           || CASE WHEN $12::jsonb IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('${STORED_TRACE_KEY}', $12::jsonb) END AS envelope
    FROM numbered n
),
packed AS (
  INSERT INTO outbox (id, tenant_id, type, envelope, created_at)
  SELECT (array_agg(p.id ORDER BY p.i))[1], $1, '${PACKED_OUTBOX_TYPE}', jsonb_agg(p.envelope ORDER BY p.i),
         $10::text::timestamptz + interval '1 microsecond' * (p.i / ${OUTBOX_PACK})
    FROM enveloped p
   GROUP BY p.i / ${OUTBOX_PACK}
  RETURNING 1
)
SELECT (SELECT count(*) FROM upserted)::int AS scored,
       (SELECT count(*) FROM packed)::int AS packs,
       count(*) FILTER (WHERE c.tier_changed)::int AS "tierChanges",
       count(*) FILTER (WHERE c.band_changed)::int AS "bandChanges",
       count(*) FILTER (WHERE c.figures_changed OR c.tier_changed)::int AS "valueChanges"
  FROM changed c`;

/** What a full scoring's chunk reports (SCORE_AND_ANNOUNCE_CHUNK_SQL). */
export interface AnnouncedChunk {
  scored: number;
  packs: number;
  tierChanges: number;
  bandChanges: number;
  valueChanges: number;
}
