import type { EntityManager } from 'typeorm';

/** Advisory lock class ids of analytics (two-int keys: a space apart from single-bigint locks). */
const CUSTOMER_MATCHING = 7301;
const RFM_RECOMPUTE = 7302;
const CLV_SCORING = 7303;
// 7304: analyze_stale_tables (migration 1766964000000), one ANALYZE of a table at a time.

/**
 * Orders and contacts arrive in separate transactions. Without coordination
 * an order could resolve its customer before the contact commits, while the
 * contact's re-resolution runs before the order commits — and the order would
 * stay unmatched for ever. So ingest takes this tenant's matching lock shared
 * (batches still run in parallel) and projection changes take it exclusive
 * (briefly): one always sees the other's committed rows.
 */
export async function lockCustomerMatching(em: EntityManager, tenantId: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const sql =
    mode === 'shared'
      ? 'SELECT pg_advisory_xact_lock_shared($1, hashtext($2::text))'
      : 'SELECT pg_advisory_xact_lock($1, hashtext($2::text))';
  await em.query(sql, [CUSTOMER_MATCHING, tenantId]);
}

/** Serialises RFM recomputes of one tenant (a manual one and a queued one may meet). */
export async function lockRfmRecompute(em: EntityManager, tenantId: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock($1, hashtext($2::text))`, [RFM_RECOMPUTE, tenantId]);
}

/** Serialises CLV scorings of one tenant, so each tier or band change is seen (and published) once. */
export async function lockClvScoring(em: EntityManager, tenantId: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock($1, hashtext($2::text))`, [CLV_SCORING, tenantId]);
}
