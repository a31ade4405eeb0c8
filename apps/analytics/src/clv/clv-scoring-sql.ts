import { returnedRows } from '@rapport/persistence';
import { CHURN_SIGNAL_WEIGHTS } from '@rapport/clv';
import { CHURN_BAND_FLOORS, type ChurnBand } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import { CUSTOMER_SUMMARY_CTE, DAYS_PER_UNIT, summaryParameters, type ClvTimeUnit } from './clv-summary-sql';
import type { GroupScore } from './clv-scoring';
import { tierBounds, type ClvTier } from './clv-settings';

/**
 * Scores customers set-based in one statement: the summary as of the scoring
 * day, joined to the per-group purchase scores ($7, from `scoreGroups`); the
 * Gamma-Gamma expected spend per customer (conditional on x and m for repeat
 * buyers, the population mean otherwise); CLV = spend × discounted expected
 * purchases; the churn signals (open complaints from the case projection,
 * counted for the survivor of merged contacts; the activity trend from the
 * same purchase days) and churn risk = libs/clv churnRiskWithSignals (1 −
 * P(alive) when there are no signals) with its band. Upserts, and deletes
 * the customers (all on a full rescoring $12, else of $6) no longer in the
 * population (e.g. every order cancelled). Returns the customers whose churn
 * band changed (with the band before), the figures of those whose CLV,
 * currency, churn risk or band or P(alive) changed — compared exactly, as
 * stored, so a consumer's copy never misses a change — and the removed ids.
 *
 * Without a spend model ($8–$10 null: Gamma-Gamma refused) spend and CLV are
 * null; P(alive), expected purchases and churn risk are stored all the same.
 *
 * $1 tenant, $2 scoring day, $3 null, $4 model id, $5 currency, $6 contact ids
 * or null, $7 group scores, $8 p, $9 q, $10 γ (or null), $11 scored at (now), $12 full, $13 days per unit,
 * $14–$18 the CHURN_SIGNAL_WEIGHTS (recent days, complaint factor, max complaints, activity weight,
 * min earlier purchase days).
 */
/** churnBandOf (libs/contracts) in SQL, on the risk computed below. */
const CHURN_BAND_SQL = `CASE WHEN v.churn_risk < ${CHURN_BAND_FLOORS.MEDIUM} THEN 'LOW' WHEN v.churn_risk < ${CHURN_BAND_FLOORS.HIGH} THEN 'MEDIUM' ELSE 'HIGH' END`;

export const SCORE_CUSTOMERS_SQL = `
WITH ${CUSTOMER_SUMMARY_CTE},
activity AS (
  SELECT contact_id,
         count(*) FILTER (WHERE purchase AND day > $2::date - $14::int AND day <= $2::date)::int AS recent,
         count(*) FILTER (WHERE purchase AND day <= $2::date - $14::int)::int AS earlier,
         ($2::date - $14::int - min(first_day) + 1)::int AS earlier_span
    FROM marked WHERE first_day <= $2::date
   GROUP BY contact_id
),
complaints AS (
  SELECT coalesce(ct.merged_into, k.contact_id) AS contact_id, count(*)::int AS n
    FROM contact_cases k LEFT JOIN contacts ct ON ct.tenant_id = k.tenant_id AND ct.id = k.contact_id
   WHERE k.tenant_id = $1 AND k.contact_id IS NOT NULL AND k.category = 'COMPLAINT' AND k.open
   GROUP BY 1
),
groups AS (
  SELECT * FROM jsonb_to_recordset($7::jsonb)
    AS g(x int, tx_days int, t_days int, p_alive float8, expected_purchases float8, discounted float8)
),
valued AS (
  SELECT s.contact_id, s.x, s.tx_days, s.t_days, g.p_alive, g.expected_purchases, g.discounted,
         CASE WHEN s.x > 0 THEN (s.repeat_value / s.x)::float8 ELSE 0 END AS m,
         CASE WHEN s.x > 0
              THEN $8::float8 * ($10::float8 + s.x * greatest((s.repeat_value / s.x)::float8, 0)) / ($8::float8 * s.x + $9::float8 - 1)
              ELSE $8::float8 * $10::float8 / ($9::float8 - 1) END AS spend,
         coalesce(cp.n, 0) AS open_complaints,
         CASE WHEN a.earlier >= $18::int AND a.earlier_span >= $14::int
              THEN a.recent / ((a.earlier::float8 / a.earlier_span) * $14::int) END AS activity_trend
    FROM summary s JOIN groups g ON g.x = s.x AND g.tx_days = s.tx_days AND g.t_days = s.t_days
    LEFT JOIN activity a ON a.contact_id = s.contact_id
    LEFT JOIN complaints cp ON cp.contact_id = s.contact_id
),
risked AS (
  SELECT v.*,
         1 - v.p_alive * power($15::float8, least(v.open_complaints, $16::int))
               * (1 - $17::float8 * greatest(0, least(1, 1 - coalesce(v.activity_trend, 1)))) AS churn_risk
    FROM valued v
),
old AS (
  SELECT contact_id, clv, currency, churn_risk, churn_band, p_alive FROM customer_values
   WHERE tenant_id = $1 AND ($6::uuid[] IS NULL OR contact_id = ANY($6::uuid[]))
),
upserted AS (
  INSERT INTO customer_values AS c (tenant_id, contact_id, model_id, x, t_x, t, m, p_alive, expected_purchases,
                                    expected_average_spend, clv, currency, churn_risk, churn_band, scored_at,
                                    open_complaints, activity_trend, as_of)
  SELECT $1, v.contact_id, $4::uuid, v.x, v.tx_days / $13::float8, v.t_days / $13::float8, v.m, v.p_alive, v.expected_purchases,
         v.spend, v.spend * v.discounted, $5::text, v.churn_risk,
         ${CHURN_BAND_SQL}, $11::timestamptz,
         v.open_complaints, v.activity_trend, $2::date
    FROM risked v
  ON CONFLICT (tenant_id, contact_id) DO UPDATE SET
    model_id = EXCLUDED.model_id, x = EXCLUDED.x, t_x = EXCLUDED.t_x, t = EXCLUDED.t, m = EXCLUDED.m,
    p_alive = EXCLUDED.p_alive, expected_purchases = EXCLUDED.expected_purchases,
    expected_average_spend = EXCLUDED.expected_average_spend, clv = EXCLUDED.clv, currency = EXCLUDED.currency,
    churn_risk = EXCLUDED.churn_risk, churn_band = EXCLUDED.churn_band, scored_at = EXCLUDED.scored_at,
    open_complaints = EXCLUDED.open_complaints, activity_trend = EXCLUDED.activity_trend, as_of = EXCLUDED.as_of
  RETURNING c.contact_id, c.clv, c.currency, c.tier, c.churn_band, c.churn_risk, c.p_alive, c.open_complaints, c.activity_trend
),
removed AS (
  DELETE FROM customer_values c
   WHERE c.tenant_id = $1 AND ($12::boolean OR c.contact_id = ANY($6::uuid[]))
     AND NOT EXISTS (SELECT 1 FROM summary s WHERE s.contact_id = c.contact_id)
  RETURNING c.contact_id
)
SELECT (SELECT count(*) FROM upserted)::int AS scored,
       (SELECT coalesce(jsonb_agg(contact_id), '[]'::jsonb) FROM removed) AS removed,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('contactId', u.contact_id, 'previousBand', o.churn_band,
                                                     'band', u.churn_band, 'churnRisk', u.churn_risk, 'pAlive', u.p_alive,
                                                     'openComplaints', u.open_complaints,
                                                     'activityTrend', u.activity_trend)), '[]'::jsonb)
          FROM upserted u LEFT JOIN old o ON o.contact_id = u.contact_id
         WHERE o.churn_band IS DISTINCT FROM u.churn_band) AS band_changes,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('contactId', u.contact_id, 'clv', u.clv, 'currency', u.currency, 'tier', u.tier,
                                                     'churnBand', u.churn_band, 'churnRisk', u.churn_risk, 'pAlive', u.p_alive)), '[]'::jsonb)
          FROM upserted u LEFT JOIN old o ON o.contact_id = u.contact_id
         WHERE (o.clv, o.currency, o.churn_risk, o.churn_band, o.p_alive)
               IS DISTINCT FROM (u.clv, u.currency, u.churn_risk, u.churn_band, u.p_alive)) AS figure_changes`;

/**
 * Tiers by CLV quantile over the customers with a CLV: cume_dist from the
 * top, so equal CLVs share a tier whatever the row order; a customer without
 * a CLV (no spend model) has no tier. Only rows whose tier changes are
 * written; returns them with the tier before.
 */
export const ASSIGN_TIERS_SQL = `
WITH bounds AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS b(ordinal int, name text, upper float8)),
ranked AS (
  SELECT contact_id, tier, clv, cume_dist() OVER (PARTITION BY clv IS NULL ORDER BY clv DESC) AS share
    FROM customer_values WHERE tenant_id = $1
),
assigned AS (
  SELECT r.contact_id, r.tier,
         CASE WHEN r.clv IS NOT NULL THEN
           coalesce((SELECT b.name FROM bounds b WHERE r.share <= b.upper + 1e-12 ORDER BY b.ordinal LIMIT 1),
                    (SELECT b.name FROM bounds b ORDER BY b.ordinal DESC LIMIT 1)) END AS new_tier
    FROM ranked r
)
UPDATE customer_values v SET tier = a.new_tier
  FROM assigned a
 WHERE v.tenant_id = $1 AND v.contact_id = a.contact_id AND v.tier IS DISTINCT FROM a.new_tier
RETURNING v.contact_id AS "contactId", a.tier AS "previousTier", a.new_tier AS tier, v.clv, v.currency,
          v.churn_band AS "churnBand", v.churn_risk AS "churnRisk", v.p_alive AS "pAlive"`;

export type Band = ChurnBand;

export interface BandChange {
  contactId: string;
  previousBand: Band | null;
  band: Band;
  churnRisk: number;
  pAlive: number;
  openComplaints: number;
  activityTrend: number | null;
}

/** A customer's stored figures, as a value event carries them (`tier` as it stands when read). */
export interface CustomerFigures {
  contactId: string;
  /** null without a spend model. */
  clv: number | null;
  currency: string;
  tier: string | null;
  churnBand: Band;
  churnRisk: number;
  pAlive: number;
}

/** A re-tiered customer, with its figures after the re-tiering. */
export interface TierChange extends CustomerFigures {
  previousTier: string | null;
  /** null when the customer lost its tier (its CLV became absent). */
  tier: string | null;
}

export interface ScoredCustomers {
  scored: number;
  /** Customers no longer in the population, whose values were deleted. */
  removed: string[];
  bandChanges: BandChange[];
  /** Customers whose CLV, currency, churn risk or band or P(alive) changed (tier as before the re-tiering). */
  figureChanges: CustomerFigures[];
}

export interface ScoreParams {
  tenantId: string;
  modelId: string;
  timeUnit: ClvTimeUnit;
  currency: string;
  asOf: Date;
  contactIds: readonly string[] | null;
  /** null: no spend model (CLV absent). */
  gammaGamma: { p: number; q: number; gamma: number } | null;
  groups: readonly GroupScore[];
}

export async function scoreCustomers(em: EntityManager, p: ScoreParams): Promise<ScoredCustomers> {
  const base = summaryParameters({
    tenantId: p.tenantId,
    calibrationEnd: p.asOf,
    holdoutEnd: null,
    timeUnit: p.timeUnit,
    currency: p.currency,
    contactIds: p.contactIds,
  });
  const [row]: { scored: number; removed: string[]; band_changes: BandChange[]; figure_changes: CustomerFigures[] }[] = await em.query(
    SCORE_CUSTOMERS_SQL,
    [
      base[0],
      base[1],
      null,
      p.modelId,
      p.currency,
      base[5],
      JSON.stringify(p.groups),
      p.gammaGamma?.p ?? null,
      p.gammaGamma?.q ?? null,
      p.gammaGamma?.gamma ?? null,
      // When it was scored (now), which is not what it was scored as of.
      new Date().toISOString(),
      p.contactIds === null,
      DAYS_PER_UNIT[p.timeUnit],
      CHURN_SIGNAL_WEIGHTS.recentDays,
      CHURN_SIGNAL_WEIGHTS.complaintFactor,
      CHURN_SIGNAL_WEIGHTS.maxComplaints,
      CHURN_SIGNAL_WEIGHTS.activityWeight,
      CHURN_SIGNAL_WEIGHTS.minEarlierPurchaseDays,
    ],
  );
  return { scored: row.scored, removed: row.removed, bandChanges: row.band_changes, figureChanges: row.figure_changes };
}

export async function assignTiers(em: EntityManager, tenantId: string, tiers: readonly ClvTier[]): Promise<TierChange[]> {
  return returnedRows<TierChange>(await em.query(ASSIGN_TIERS_SQL, [tenantId, JSON.stringify(tierBounds(tiers))]));
}
