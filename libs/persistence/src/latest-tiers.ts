import type { EntityManager } from 'typeorm';
import { quoteIdent } from './data-source';

/** A contact's value tier as published at `at` (null: no longer tiered). */
export interface TierAt {
  contactId: string;
  tier: string | null;
  at: Date;
}

/**
 * Stores each contact's latest tier in a projection table shaped
 * `(tenant_id, contact_id PK, tier, changed_at)`, in one statement for a
 * whole batch: a scoring re-tiers every customer at once, and a statement
 * per event made the projections the slowest consumers of the stream.
 * Per contact, the entry with the latest `at` wins, and among equal
 * instants the later one in the list (stream order), as applying them one
 * by one would; a stored tier newer than the batch's is kept.
 */
export async function recordLatestTiers(em: EntityManager, table: string, tenantId: string, tiers: readonly TierAt[]): Promise<void> {
  if (tiers.length === 0) return;
  const t = quoteIdent(table);
  await em.query(
    `INSERT INTO ${t} (tenant_id, contact_id, tier, changed_at)
     SELECT DISTINCT ON (e.contact_id) $1::uuid, e.contact_id, e.tier, e.changed_at
       FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) WITH ORDINALITY AS e(contact_id, tier, changed_at, position)
      ORDER BY e.contact_id, e.changed_at DESC, e.position DESC
     ON CONFLICT (tenant_id, contact_id) DO UPDATE SET tier = EXCLUDED.tier, changed_at = EXCLUDED.changed_at
      WHERE ${t}.changed_at <= EXCLUDED.changed_at`,
    [tenantId, tiers.map((r) => r.contactId), tiers.map((r) => r.tier), tiers.map((r) => r.at.toISOString())],
  );
}
