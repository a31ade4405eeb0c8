import type { EntityManager } from 'typeorm';

export type ClvTimeUnit = 'WEEKS' | 'DAYS';

export const DAYS_PER_UNIT: Record<ClvTimeUnit, number> = { WEEKS: 7, DAYS: 1 };

/**
 * Per-customer (x, t_x, T, m) in one pass over the tenant's orders — the
 * set-based form of libs/clv `summarizeTransactions`, with the same rules:
 *
 * - time is counted in whole UTC days; orders of one day are one purchase
 *   day; a day is a purchase day when it has a PLACED order (CANCELLED
 *   orders are ignored, REFUNDED ones only lower the spend);
 * - population: contacts whose first purchase day is on or before the
 *   calibration end day $2 (inclusive);
 * - x = purchase days after the first, tx_days = last − first purchase day,
 *   t_days = end day − first purchase day (divided by the unit's days by the
 *   caller, so grouping is on exact integers);
 * - repeat_value = net amount (purchases and refunds) after the first
 *   purchase day in the reporting currency $5 (other currencies count as
 *   purchases but not as spend: no FX here), so m = repeat_value / x;
 * - holdout_purchases = purchase days in (end day, holdout end day $3].
 *
 * $1 tenant, $2 calibration end day (date), $3 hold-out end day or null,
 * $5 reporting currency, $6 contact ids or null (all). $4 is unused here
 * (kept free for the callers' statements).
 */
export const ORDER_DAYS_CTE = `
per_day AS (
  SELECT o.contact_id, (o.occurred_at AT TIME ZONE 'UTC')::date AS day,
         bool_or(o.status = 'PLACED') AS purchase,
         coalesce(sum(o.amount) FILTER (WHERE o.currency = $5::text), 0) AS value
    FROM orders o
   WHERE o.tenant_id = $1 AND o.contact_id IS NOT NULL AND o.status IN ('PLACED', 'REFUNDED')
     AND o.occurred_at < ((coalesce($3::date, $2::date) + 1)::timestamp AT TIME ZONE 'UTC')
     AND ($6::uuid[] IS NULL OR o.contact_id = ANY($6::uuid[]))
   GROUP BY 1, 2
),
marked AS (
  SELECT d.*, min(d.day) FILTER (WHERE d.purchase) OVER (PARTITION BY d.contact_id) AS first_day FROM per_day d
)`;

/** The columns of the summary, grouped from `marked` (ORDER_DAYS_CTE) per customer; scoring adds its own. */
export const SUMMARY_COLUMNS = `
         (count(*) FILTER (WHERE purchase AND day <= $2::date) - 1)::int AS x,
         (max(day) FILTER (WHERE purchase AND day <= $2::date) - first_day)::int AS tx_days,
         ($2::date - first_day)::int AS t_days,
         coalesce(sum(value) FILTER (WHERE day > first_day AND day <= $2::date), 0) AS repeat_value,
         count(*) FILTER (WHERE purchase AND day > $2::date)::int AS holdout_purchases`;

export const CUSTOMER_SUMMARY_CTE = `${ORDER_DAYS_CTE},
summary AS (
  SELECT contact_id,${SUMMARY_COLUMNS}
    FROM marked
   WHERE first_day <= $2::date
   GROUP BY contact_id, first_day
)`;

/** The statement behind a fit: the summary grouped by identical (x, t_x, T) and by identical (x, m). */
export const GROUPED_SUMMARY_SQL = `
WITH ${CUSTOMER_SUMMARY_CTE}
SELECT
  (SELECT coalesce(jsonb_agg(jsonb_build_array(g.x, g.tx_days, g.t_days, g.n, g.holdout)), '[]'::jsonb)
     FROM (SELECT x, tx_days, t_days, count(*)::int AS n, sum(holdout_purchases)::int AS holdout
             FROM summary GROUP BY x, tx_days, t_days) g) AS frequency_recency,
  (SELECT coalesce(jsonb_agg(jsonb_build_array(g.x, g.m, g.n)), '[]'::jsonb)
     FROM (SELECT x, (repeat_value / x)::float8 AS m, count(*)::int AS n
             FROM summary WHERE x > 0 AND repeat_value > 0 GROUP BY x, (repeat_value / x)::float8) g) AS spend,
  (SELECT count(*)::int FROM summary) AS customers,
  $4::int AS days_per_unit`;

/** Customers sharing (x, t_x, T) in days, with their hold-out purchases summed. */
export interface FrequencyRecencyGroup {
  x: number;
  txDays: number;
  tDays: number;
  customers: number;
  holdoutPurchases: number;
}

/** Repeat buyers sharing (x, m). */
export interface SpendGroup {
  x: number;
  m: number;
  customers: number;
}

export interface GroupedSummary {
  frequencyRecency: FrequencyRecencyGroup[];
  spend: SpendGroup[];
  customers: number;
}

export interface SummaryParams {
  tenantId: string;
  /** Inclusive last day of calibration (its UTC calendar day counts). */
  calibrationEnd: Date;
  holdoutEnd: Date | null;
  timeUnit: ClvTimeUnit;
  currency: string | null;
  contactIds?: readonly string[] | null;
}

/** `YYYY-MM-DD` of the instant's UTC day. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function summaryParameters(p: SummaryParams): unknown[] {
  return [
    p.tenantId,
    utcDay(p.calibrationEnd),
    p.holdoutEnd ? utcDay(p.holdoutEnd) : null,
    DAYS_PER_UNIT[p.timeUnit],
    p.currency,
    p.contactIds ? [...p.contactIds] : null,
  ];
}

/** Runs the grouped summary in the caller's tenant transaction. */
export async function groupedSummary(em: EntityManager, p: SummaryParams): Promise<GroupedSummary> {
  const [row]: { frequency_recency: number[][]; spend: number[][]; customers: number }[] = await em.query(
    GROUPED_SUMMARY_SQL,
    summaryParameters(p),
  );
  return {
    frequencyRecency: row.frequency_recency.map(([x, txDays, tDays, customers, holdoutPurchases]) => ({
      x,
      txDays,
      tDays,
      customers,
      holdoutPurchases,
    })),
    spend: row.spend.map(([x, m, customers]) => ({ x, m, customers })),
    customers: row.customers,
  };
}

/**
 * The currency most placed orders use — guest orders and orders still waiting
 * for their customer included, since revenue counts them too: the reporting
 * currency when the tenant set none.
 */
export async function dominantCurrency(em: EntityManager, tenantId: string): Promise<string | null> {
  const [row]: { currency: string | null }[] = await em.query(
    `SELECT coalesce((SELECT currency FROM rfm_settings WHERE tenant_id = $1),
                     (SELECT mode() WITHIN GROUP (ORDER BY currency) FROM orders
                       WHERE tenant_id = $1 AND status = 'PLACED')) AS currency`,
    [tenantId],
  );
  return row?.currency ?? null;
}
