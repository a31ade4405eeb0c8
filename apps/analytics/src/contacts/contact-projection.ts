import { Injectable } from '@nestjs/common';
import type { ContactMergedDataV1, ContactSnapshotV1, ContactUnmergedDataV1 } from '@rapport/contracts';
import { appendManyToOutbox } from '@rapport/messaging';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { ORDER_MATCHED_RETURNING, orderMatchedEvents, type MatchedOrderRow } from '../orders/order-matched-events';
import { lockCustomerMatching } from '../tenant-locks';

/**
 * Keeps analytics' copy of the customer master (contacts, their external ids,
 * merges) and re-resolves the orders each change affects. Every method runs
 * in the events' inbox transaction and tells whether any order now counts
 * for a different contact (so RFM must be recomputed).
 */
@Injectable()
export class ContactProjection {
  /**
   * Applies contact snapshots (created/updated events) set-based, however
   * many: upsert the contacts (the newest snapshot wins, also against a
   * redelivered older one), replace their external ids, and re-resolve the
   * orders given for them or for one of their external ids (the late-arrival
   * match) — two index lookups, by customer contact id and by external key.
   * Returns the contacts whose orders now count for them (to rescore).
   */
  async applySnapshots(em: EntityManager, tenantId: string, snapshots: readonly ContactSnapshotV1[]): Promise<string[]> {
    const latest = new Map<string, ContactSnapshotV1>();
    for (const c of snapshots) {
      const before = latest.get(c.id);
      if (!before || before.updatedAt <= c.updatedAt) latest.set(c.id, c);
    }
    if (latest.size === 0) return [];
    await lockCustomerMatching(em, tenantId, 'exclusive');
    const contacts = [...latest.values()];
    const applied: { id: string }[] = returnedRows(
      await em.query(
        `INSERT INTO contacts (tenant_id, id, sales_updated_at)
         SELECT $1, c.id, c.updated_at FROM unnest($2::uuid[], $3::timestamptz[]) AS c(id, updated_at)
         ON CONFLICT (tenant_id, id) DO UPDATE SET sales_updated_at = EXCLUDED.sales_updated_at, projected_at = now()
           WHERE contacts.sales_updated_at IS NULL OR contacts.sales_updated_at <= EXCLUDED.sales_updated_at
         RETURNING id`,
        [tenantId, contacts.map((c) => c.id), contacts.map((c) => c.updatedAt)],
      ),
    );
    if (applied.length === 0) return [];
    const appliedIds = new Set(applied.map((r) => r.id));
    const kept = contacts.filter((c) => appliedIds.has(c.id)).sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
    // Sales keeps external ids unique; one that moved between two contacts of the batch goes to the newer snapshot.
    const owners = new Map<string, { source: string; key: string; contactId: string }>();
    for (const c of kept) for (const x of c.externalIds) owners.set(`${x.source}\u0000${x.key}`, { ...x, contactId: c.id });
    const ids = [...owners.values()];
    const keptIds = kept.map((c) => c.id);
    await em.query(
      `DELETE FROM contact_external_ids x
        WHERE x.tenant_id = $1 AND x.contact_id = ANY($2::uuid[])
          AND NOT EXISTS (SELECT 1 FROM unnest($3::uuid[], $4::text[], $5::text[]) AS k(contact_id, source, key)
                           WHERE k.contact_id = x.contact_id AND k.source = x.source AND k.key = x.key)`,
      [tenantId, keptIds, ids.map((x) => x.contactId), ids.map((x) => x.source), ids.map((x) => x.key)],
    );
    if (ids.length > 0) {
      await em.query(
        `INSERT INTO contact_external_ids (tenant_id, source, key, contact_id)
         SELECT $1, k.source, k.key, k.contact_id FROM unnest($2::text[], $3::text[], $4::uuid[]) AS k(source, key, contact_id)
         ON CONFLICT (tenant_id, source, key) DO UPDATE SET contact_id = EXCLUDED.contact_id`,
        [tenantId, ids.map((x) => x.source), ids.map((x) => x.key), ids.map((x) => x.contactId)],
      );
    }
    const byContactId: MatchedOrderRow[] = returnedRows(
      await em.query(
        `UPDATE orders o SET contact_id = coalesce(c.merged_into, c.id)
           FROM contacts c
          WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])
            AND o.tenant_id = $1 AND o.customer_contact_id = c.id
            AND o.contact_id IS DISTINCT FROM coalesce(c.merged_into, c.id)
          RETURNING ${ORDER_MATCHED_RETURNING}`,
        [tenantId, keptIds],
      ),
    );
    const byExternalId: MatchedOrderRow[] =
      ids.length === 0
        ? []
        : returnedRows(
            await em.query(
              `UPDATE orders o SET contact_id = r.contact_id
                 FROM (SELECT x.source, x.key, coalesce(c.merged_into, x.contact_id) AS contact_id
                         FROM unnest($2::text[], $3::text[]) AS k(source, key)
                         JOIN contact_external_ids x ON x.tenant_id = $1 AND x.source = k.source AND x.key = k.key
                         LEFT JOIN contacts c ON c.tenant_id = $1 AND c.id = x.contact_id) r
                WHERE o.tenant_id = $1 AND o.customer_source = r.source AND o.customer_key = r.key
                  AND o.contact_id IS DISTINCT FROM r.contact_id
                RETURNING ${ORDER_MATCHED_RETURNING}`,
              [tenantId, ids.map((x) => x.source), ids.map((x) => x.key)],
            ),
          );
    const matched = [...byContactId, ...byExternalId];
    await appendManyToOutbox(em, orderMatchedEvents(tenantId, matched));
    return [...new Set(matched.map((r) => r.contact_id).filter((id): id is string => id !== null))];
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
      `INSERT INTO contacts (tenant_id, id, merged_into, merged_parent) SELECT $1, m.id, $2, $4 FROM unnest($3::uuid[]) AS m(id)
       ON CONFLICT (tenant_id, id) DO UPDATE SET merged_into = EXCLUDED.merged_into, merged_parent = EXCLUDED.merged_parent,
                                                 projected_at = now()`,
      [tenantId, survivor.id, mergedIds, merge.survivorId],
    );
    // Contacts merged earlier into one of these now resolve straight to the survivor (no chains to
    // follow when resolving); their merged_parent keeps whom they were merged into.
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
   * only while it is still merged into that survivor (its merged_parent; for
   * rows merged before merged_parent existed, its merged_into) — an unmerge
   * for a merge never seen, or already undone, changes nothing. Contacts
   * merged into a restored one earlier (its merge descendants, through
   * merged_parent) resolve to it again, or to whatever it is itself still
   * merged into: B → A, A → C, undo A → C leaves B with A; undoing B → A
   * then returns B's orders to B. A restored contact known only from the
   * merge (its creation never arrived) is forgotten again. Orders given for
   * the restored contacts or their descendants (contact id, or an external
   * id the projection holds for them) are resolved again.
   */
  async applyUnmerge(em: EntityManager, tenantId: string, unmerge: ContactUnmergedDataV1): Promise<boolean> {
    const restoredIds = [...new Set(unmerge.restoredIds)].filter((id) => id !== unmerge.survivorId);
    if (restoredIds.length === 0) return false;
    await lockCustomerMatching(em, tenantId, 'exclusive');
    const restored: { id: string; known: boolean }[] = returnedRows(
      await em.query(
        `UPDATE contacts SET merged_into = NULL, merged_parent = NULL, projected_at = now()
          WHERE tenant_id = $1 AND id = ANY($2::uuid[])
            AND (merged_parent = $3 OR (merged_parent IS NULL AND merged_into = $3))
          RETURNING id, sales_updated_at IS NOT NULL AS known`,
        [tenantId, restoredIds, unmerge.survivorId],
      ),
    );
    if (restored.length === 0) return false;
    // Everything merged (directly or not) into a restored contact resolves to that contact again.
    const descendants: { id: string }[] = returnedRows(
      await em.query(
        `WITH RECURSIVE tree AS (
           SELECT c.id, c.id AS root FROM contacts c WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])
           UNION ALL
           SELECT c.id, t.root FROM contacts c JOIN tree t ON c.tenant_id = $1 AND c.merged_parent = t.id
         )
         UPDATE contacts c SET merged_into = t.root, projected_at = now()
           FROM tree t
          WHERE c.tenant_id = $1 AND c.id = t.id AND t.id <> t.root AND c.merged_into IS DISTINCT FROM t.root
          RETURNING c.id`,
        [tenantId, restored.map((r) => r.id)],
      ),
    );
    const placeholders = restored.filter((r) => !r.known).map((r) => r.id);
    if (placeholders.length > 0) {
      await em.query(
        `DELETE FROM contacts c WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])
            AND NOT EXISTS (SELECT 1 FROM contact_external_ids x WHERE x.tenant_id = c.tenant_id AND x.contact_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM contacts d WHERE d.tenant_id = c.tenant_id AND d.merged_parent = c.id)`,
        [tenantId, placeholders],
      );
    }
    const ids = [...restored.map((r) => r.id), ...descendants.map((d) => d.id)];
    await em.query(
      `UPDATE orders o SET contact_id = r.contact_id
         FROM (SELECT o2.id, (SELECT coalesce(c.merged_into, c.id) FROM contacts c
                               WHERE c.tenant_id = o2.tenant_id AND c.id = o2.customer_contact_id) AS contact_id
                 FROM orders o2 WHERE o2.tenant_id = $1 AND o2.customer_contact_id = ANY($2::uuid[])) r
        WHERE o.tenant_id = $1 AND o.id = r.id AND o.contact_id IS DISTINCT FROM r.contact_id`,
      [tenantId, ids],
    );
    await em.query(
      `UPDATE orders o SET contact_id = r.contact_id
         FROM (SELECT x.source, x.key, coalesce(c.merged_into, x.contact_id) AS contact_id
                 FROM contact_external_ids x
                 LEFT JOIN contacts c ON c.tenant_id = x.tenant_id AND c.id = x.contact_id
                WHERE x.tenant_id = $1 AND x.contact_id = ANY($2::uuid[])) r
        WHERE o.tenant_id = $1 AND o.customer_source = r.source AND o.customer_key = r.key
          AND o.contact_id IS DISTINCT FROM r.contact_id`,
      [tenantId, ids],
    );
    // Whether or not orders moved, the survivor and the restored contacts are rescored.
    return true;
  }
}
