import { Injectable } from '@nestjs/common';
import type { ContactMergedDataV1, ContactSnapshotV1, ContactUnmergedDataV1 } from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { lockCustomerMatching } from '../tenant-locks';

/**
 * Keeps analytics' copy of the customer master (contacts, their external ids,
 * merges) and re-resolves the orders each change affects. Every method runs
 * in the event's inbox transaction and returns whether any order now counts
 * for a different contact (so RFM must be recomputed).
 */
@Injectable()
export class ContactProjection {
  async applySnapshot(em: EntityManager, tenantId: string, contact: ContactSnapshotV1): Promise<boolean> {
    await lockCustomerMatching(em, tenantId, 'exclusive');
    // Redelivery may bring an older snapshot after a newer one: the newer wins.
    const applied = await em.query(
      `INSERT INTO contacts (tenant_id, id, sales_updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, id) DO UPDATE SET sales_updated_at = EXCLUDED.sales_updated_at, projected_at = now()
         WHERE contacts.sales_updated_at IS NULL OR contacts.sales_updated_at <= EXCLUDED.sales_updated_at
       RETURNING id`,
      [tenantId, contact.id, contact.updatedAt],
    );
    if (returnedRows(applied).length === 0) return false;

    const sources = contact.externalIds.map((x) => x.source);
    const keys = contact.externalIds.map((x) => x.key);
    await em.query(
      `DELETE FROM contact_external_ids x
        WHERE x.tenant_id = $1 AND x.contact_id = $2
          AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) AS k(source, key) WHERE k.source = x.source AND k.key = x.key)`,
      [tenantId, contact.id, sources, keys],
    );
    // An id moved from another contact (sales keeps them unique) now belongs to this one.
    await em.query(
      `INSERT INTO contact_external_ids (tenant_id, source, key, contact_id)
       SELECT $1, k.source, k.key, $2 FROM unnest($3::text[], $4::text[]) AS k(source, key)
       ON CONFLICT (tenant_id, source, key) DO UPDATE SET contact_id = EXCLUDED.contact_id`,
      [tenantId, contact.id, sources, keys],
    );
    // Orders given for this contact or one of its external ids: the late-arrival match.
    const moved = await em.query(
      `UPDATE orders o SET contact_id = r.contact_id
         FROM (SELECT coalesce(merged_into, id) AS contact_id FROM contacts WHERE tenant_id = $1 AND id = $2) r
        WHERE o.tenant_id = $1 AND o.contact_id IS DISTINCT FROM r.contact_id
          AND (o.customer_contact_id = $2
               OR (o.customer_source, o.customer_key) IN (SELECT k.source, k.key FROM unnest($3::text[], $4::text[]) AS k(source, key)))
        RETURNING o.id`,
      [tenantId, contact.id, sources, keys],
    );
    return returnedRows(moved).length > 0;
  }

  /**
   * The merged contacts' orders count for the survivor from now on; their
   * external ids keep resolving (through merged_into) to the survivor; their
   * value rows go; their RFM rows are dropped by the recompute this asks for
   * (which announces them as dropped out) while it scores the survivor on everything.
   */
  async applyMerge(em: EntityManager, tenantId: string, merge: ContactMergedDataV1): Promise<boolean> {
    const mergedIds = [...new Set(merge.mergedIds)].filter((id) => id !== merge.survivorId);
    if (mergedIds.length === 0) return false;
    await lockCustomerMatching(em, tenantId, 'exclusive');
    const [survivor]: { id: string }[] = await em.query(
      `SELECT coalesce((SELECT merged_into FROM contacts WHERE tenant_id = $1 AND id = $2), $2::uuid) AS id`,
      [tenantId, merge.survivorId],
    );
    // Known or not yet: a merged contact whose creation arrives later must still resolve to the survivor.
    await em.query(
      `INSERT INTO contacts (tenant_id, id, merged_into) SELECT $1, m.id, $2 FROM unnest($3::uuid[]) AS m(id)
       ON CONFLICT (tenant_id, id) DO UPDATE SET merged_into = EXCLUDED.merged_into, projected_at = now()`,
      [tenantId, survivor.id, mergedIds],
    );
    // Contacts merged earlier into one of these now point straight at the survivor (no chains).
    await em.query(`UPDATE contacts SET merged_into = $2 WHERE tenant_id = $1 AND merged_into = ANY($3::uuid[])`, [
      tenantId,
      survivor.id,
      mergedIds,
    ]);
    const moved = await em.query(
      `UPDATE orders SET contact_id = $2
        WHERE tenant_id = $1 AND (contact_id = ANY($3::uuid[]) OR (contact_id IS NULL AND customer_contact_id = ANY($3::uuid[])))
        RETURNING id`,
      [tenantId, survivor.id, mergedIds],
    );
    await em.query(`DELETE FROM customer_values WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`, [tenantId, mergedIds]);
    return returnedRows(moved).length > 0;
  }

  /**
   * Undoes a merge: a restored contact stops resolving to the survivor, but
   * only while its `merged_into` still points at that survivor (an unmerge
   * for a merge never seen, or already undone, changes nothing). A restored
   * contact known only from the merge (its creation never arrived) is
   * forgotten again. Orders given for the restored contacts (their contact
   * id, or an external id the projection holds for them) are resolved again.
   * Limitation: `merged_into` is kept flat and the event names only the
   * restored contacts, so a contact merged into a restored one before that
   * one was merged keeps resolving to the survivor (sales points it back at
   * the restored contact; its external ids come back with the restored
   * contact's snapshot, orders given with its contact id do not).
   */
  async applyUnmerge(em: EntityManager, tenantId: string, unmerge: ContactUnmergedDataV1): Promise<boolean> {
    const restoredIds = [...new Set(unmerge.restoredIds)].filter((id) => id !== unmerge.survivorId);
    if (restoredIds.length === 0) return false;
    await lockCustomerMatching(em, tenantId, 'exclusive');
    const restored: { id: string; known: boolean }[] = returnedRows(
      await em.query(
        `UPDATE contacts SET merged_into = NULL, projected_at = now()
          WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND merged_into = $3
          RETURNING id, sales_updated_at IS NOT NULL AS known`,
        [tenantId, restoredIds, unmerge.survivorId],
      ),
    );
    if (restored.length === 0) return false;
    const ids = restored.map((r) => r.id);
    const placeholders = restored.filter((r) => !r.known).map((r) => r.id);
    if (placeholders.length > 0) {
      await em.query(
        `DELETE FROM contacts c WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])
            AND NOT EXISTS (SELECT 1 FROM contact_external_ids x WHERE x.tenant_id = c.tenant_id AND x.contact_id = c.id)`,
        [tenantId, placeholders],
      );
    }
    await em.query(
      `UPDATE orders o SET contact_id = r.contact_id
         FROM (SELECT o2.id, (SELECT coalesce(c.merged_into, c.id) FROM contacts c
                               WHERE c.tenant_id = o2.tenant_id AND c.id = o2.customer_contact_id) AS contact_id
                 FROM orders o2 WHERE o2.tenant_id = $1 AND o2.customer_contact_id = ANY($2::uuid[])) r
        WHERE o.tenant_id = $1 AND o.id = r.id AND o.contact_id IS DISTINCT FROM r.contact_id`,
      [tenantId, ids],
    );
    await em.query(
      `UPDATE orders o SET contact_id = x.contact_id
         FROM contact_external_ids x
        WHERE x.tenant_id = $1 AND x.contact_id = ANY($2::uuid[])
          AND o.tenant_id = $1 AND o.customer_source = x.source AND o.customer_key = x.key
          AND o.contact_id IS DISTINCT FROM x.contact_id`,
      [tenantId, ids],
    );
    // Whether or not orders moved, the survivor and the restored contacts are rescored.
    return true;
  }
}
