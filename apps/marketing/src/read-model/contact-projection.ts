import { Injectable } from '@nestjs/common';
import type { ContactMergedDataV1, ContactSnapshotV1, ContactUnmergedDataV1 } from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { refreshAggregates } from './survivors';

/**
 * Marketing's copy of the sales customer master: profile, addresses to send
 * to, external ids (to resolve partner events such as abandoned carts), and
 * merges. Every method is idempotent, so replaying a stream from the start
 * over a live read model converges to the same rows.
 */
@Injectable()
export class ContactProjection {
  /** Applies a contact snapshot unless a newer one is already there; returns whether it did. */
  async applySnapshot(em: EntityManager, tenantId: string, contact: ContactSnapshotV1): Promise<boolean> {
    const emails = (contact.emails ?? []).map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0);
    const phones = (contact.phones ?? []).map((p) => p.trim()).filter((p) => p.length > 0);
    const applied = returnedRows(
      await em.query(
        `INSERT INTO contacts (tenant_id, id, first_name, last_name, email, emails, phone, phones, account_id, owner_id, created_at, sales_updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (tenant_id, id) DO UPDATE SET
           first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, email = EXCLUDED.email, emails = EXCLUDED.emails,
           phone = EXCLUDED.phone, phones = EXCLUDED.phones, account_id = EXCLUDED.account_id, owner_id = EXCLUDED.owner_id,
           created_at = EXCLUDED.created_at, sales_updated_at = EXCLUDED.sales_updated_at, projected_at = now()
         WHERE contacts.sales_updated_at IS NULL OR contacts.sales_updated_at <= EXCLUDED.sales_updated_at
         RETURNING id`,
        [
          tenantId,
          contact.id,
          contact.firstName,
          contact.lastName,
          emails[0] ?? null,
          emails,
          phones[0] ?? null,
          phones,
          contact.accountId,
          contact.ownerId,
          contact.createdAt,
          contact.updatedAt,
        ],
      ),
    );
    if (applied.length === 0) return false;
    const sources = contact.externalIds.map((x) => x.source);
    const keys = contact.externalIds.map((x) => x.key);
    await em.query(
      `DELETE FROM contact_external_ids x
        WHERE x.tenant_id = $1 AND x.contact_id = $2
          AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) AS k(source, key) WHERE k.source = x.source AND k.key = x.key)`,
      [tenantId, contact.id, sources, keys],
    );
    await em.query(
      `INSERT INTO contact_external_ids (tenant_id, source, key, contact_id)
       SELECT $1, k.source, k.key, $2 FROM unnest($3::text[], $4::text[]) AS k(source, key)
       ON CONFLICT (tenant_id, source, key) DO UPDATE SET contact_id = EXCLUDED.contact_id`,
      [tenantId, contact.id, sources, keys],
    );
    return true;
  }

  /**
   * The merged contacts stand for the survivor from now on: they leave every
   * segment, and the survivor's aggregates (cases, orders, touches) and
   * effective consent take theirs in. Returns the survivor at the top.
   */
  async applyMerge(em: EntityManager, tenantId: string, merge: ContactMergedDataV1): Promise<string | null> {
    const mergedIds = [...new Set(merge.mergedIds)].filter((id) => id !== merge.survivorId);
    if (mergedIds.length === 0) return null;
    await em.query(`INSERT INTO contacts (tenant_id, id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [tenantId, merge.survivorId]);
    await em.query(
      `INSERT INTO contacts (tenant_id, id, merged_parent) SELECT $1, m.id, $2 FROM unnest($3::uuid[]) AS m(id)
       ON CONFLICT (tenant_id, id) DO UPDATE SET merged_parent = EXCLUDED.merged_parent, projected_at = now()`,
      [tenantId, merge.survivorId, mergedIds],
    );
    const root = await this.rootOf(em, tenantId, merge.survivorId);
    await this.flattenUnder(em, tenantId, root);
    await refreshAggregates(em, tenantId, [root]);
    return root;
  }

  /**
   * Undoes one merge: each restored contact stops pointing at the record it
   * was merged into and becomes the survivor of whatever had been merged into
   * it before (nested merges unwind one level at a time). Returns every
   * survivor whose aggregates changed.
   */
  async applyUnmerge(em: EntityManager, tenantId: string, unmerge: ContactUnmergedDataV1): Promise<string[]> {
    const restoredIds = [...new Set(unmerge.restoredIds)].filter((id) => id !== unmerge.survivorId);
    if (restoredIds.length === 0) return [];
    const restored = returnedRows<{ id: string }>(
      await em.query(
        `UPDATE contacts SET merged_parent = NULL, merged_into = NULL, projected_at = now()
          WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND merged_parent = $3 RETURNING id`,
        [tenantId, restoredIds, unmerge.survivorId],
      ),
    ).map((r) => r.id);
    if (restored.length === 0) return [];
    for (const id of restored) await this.flattenUnder(em, tenantId, id);
    const changed = [await this.rootOf(em, tenantId, unmerge.survivorId), ...restored];
    await refreshAggregates(em, tenantId, changed);
    return changed;
  }

  /** Follows merged_parent up to the record nothing was merged over. */
  private async rootOf(em: EntityManager, tenantId: string, id: string): Promise<string> {
    const [row]: { id: string }[] = await em.query(
      `WITH RECURSIVE up(id, parent, depth) AS (
         SELECT c.id, c.merged_parent, 0 FROM contacts c WHERE c.tenant_id = $1 AND c.id = $2
         UNION ALL
         SELECT c.id, c.merged_parent, up.depth + 1 FROM contacts c JOIN up ON c.tenant_id = $1 AND c.id = up.parent WHERE up.depth < 64)
       SELECT id FROM up ORDER BY depth DESC LIMIT 1`,
      [tenantId, id],
    );
    return row?.id ?? id;
  }

  /** Points every record merged (directly or not) into `root` straight at it. */
  private async flattenUnder(em: EntityManager, tenantId: string, root: string): Promise<void> {
    await em.query(
      `WITH RECURSIVE down(id) AS (
         SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND c.merged_parent = $2
         UNION
         SELECT c.id FROM contacts c JOIN down ON c.tenant_id = $1 AND c.merged_parent = down.id)
       UPDATE contacts SET merged_into = $2, projected_at = now() WHERE tenant_id = $1 AND id IN (SELECT id FROM down) AND id <> $2`,
      [tenantId, root],
    );
    await em.query(`UPDATE contacts SET merged_into = NULL WHERE tenant_id = $1 AND id = $2 AND merged_into IS NOT NULL`, [tenantId, root]);
  }

  /** The contact an external id belongs to now (after merges), or null. */
  async resolveExternalId(em: EntityManager, tenantId: string, source: string, key: string): Promise<string | null> {
    const [row]: { id: string }[] = await em.query(
      `SELECT coalesce(c.merged_into, x.contact_id) AS id
         FROM contact_external_ids x LEFT JOIN contacts c ON c.tenant_id = x.tenant_id AND c.id = x.contact_id
        WHERE x.tenant_id = $1 AND x.source = $2 AND x.key = $3`,
      [tenantId, source, key],
    );
    return row?.id ?? null;
  }
}
