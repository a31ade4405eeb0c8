import type { EntityManager } from 'typeorm';
import { utcDay } from './clv-summary-sql';

/**
 * Why a full scoring found nobody to score while the tenant has placed
 * orders of known customers (its as-of day is before all of them), or null
 * — nobody scored, nobody to score (every order cancelled): the stored
 * values go, as REMOVE_UNSCORED_SQL removes any customer without orders.
 * An as-of day before the data (a pinned ClvSettings.asOf mistyped, or from
 * before an import of history) is a setting to fix, not a tenant without
 * customers: deleting every value for it would throw away what the next
 * correct scoring gives back anyway, and scores that carry their own asOf
 * mislead nobody meanwhile (ADR 081). Reads the scoring's summary table.
 */
export async function whyNobodyScored(em: EntityManager, tenantId: string, asOf: Date): Promise<string | null> {
  const [summary]: { any: boolean }[] = await em.query(`SELECT EXISTS (SELECT 1 FROM clv_scoring_summary) AS any`);
  if (summary.any) return null;
  const [orders]: { first: string | null; last: string | null; n: number }[] = await em.query(
    `SELECT min(occurred_at AT TIME ZONE 'UTC')::date::text AS first, max(occurred_at AT TIME ZONE 'UTC')::date::text AS last,
            count(*)::int AS n
       FROM orders WHERE tenant_id = $1 AND status = 'PLACED' AND contact_id IS NOT NULL`,
    [tenantId],
  );
  if (!orders.first || !orders.last) return null;
  return (
    `scored nobody as of ${utcDay(asOf)}: no customer had placed an order by then; the tenant's ${orders.n} orders run from ` +
    `${orders.first} to ${orders.last}. The previous scores are kept. Score as of a day in that range ` +
    `(ClvSettings.asOf, or asOfLatestOrder)`
  );
}
