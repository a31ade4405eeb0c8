import { Injectable } from '@nestjs/common';
import type { ContactMergedV1, ContactSnapshotV1, ContactUnmergedV1 } from '@rapport/contracts';
import {
  applyDeletionFact,
  applyMerge,
  applyUnmerge,
  forgetPlaceholders,
  type DeletionFact,
  newestPerRecord,
  replaceExternalIds,
  upsertSnapshots,
  type CustomerTable,
  type SurvivorChange,
} from '@rapport/customer-master';
import { appendManyToOutbox } from '@rapport/messaging';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { ORDER_MATCHED_RETURNING, orderMatchedEvents, type MatchedOrderRow } from '../orders/order-matched-events';
import { lockCustomerMatching } from '../tenant-locks';

const CONTACTS: CustomerTable = { kind: 'CONTACT', table: 'contacts' };

/**
 * Keeps analytics' copy of the customer master (contacts, their external ids,
 * merges; libs/customer-master) and re-resolves the orders each change
 * affects. Every method runs in the events' inbox transaction and returns
 * the contacts to rescore.
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
    if (snapshots.length === 0) return [];
    await lockCustomerMatching(em, tenantId, 'exclusive');
    const appliedIds = new Set(
      await upsertSnapshots(
        em,
        tenantId,
        CONTACTS,
        ['owner_id'],
        // The owner decides who may see the contact's figures (ContactVisibility).
        snapshots.map((c) => ({ id: c.id, updatedAt: c.updatedAt, columns: { owner_id: c.ownerId } })),
      ),
    );
    if (appliedIds.size === 0) return [];
    const kept = newestPerRecord(snapshots).filter((c) => appliedIds.has(c.id));
    const ids = await replaceExternalIds(em, tenantId, kept);
    const keptIds = kept.map((c) => c.id);
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
   * The merged contacts (and what was merged into them) stand for the
   * survivor from now on (libs/customer-master); their orders follow, their
   * value rows go, and their RFM rows are dropped by the recompute this asks
   * for. Returns the contacts to rescore.
   */
  async applyMerge(em: EntityManager, tenantId: string, event: ContactMergedV1): Promise<string[]> {
    await lockCustomerMatching(em, tenantId, 'exclusive');
    const changes = await applyMerge(em, tenantId, CONTACTS, {
      // Merges published before the journal id existed are identified by their event.
      mergeId: event.data.mergeId ?? event.id,
      survivorId: event.data.survivorId,
      mergedIds: event.data.mergedIds,
      mergedAt: event.occurredAt,
    });
    const merged = changes.filter((c) => c.to !== c.id).map((c) => c.id);
    await em.query(`DELETE FROM customer_values WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`, [tenantId, merged]);
    return this.followChanges(em, tenantId, changes);
  }

  /**
   * Undoes a merge: the restored contacts (and what had been merged into
   * them) stand for themselves again — B → A, A → C, undo A → C leaves B
   * with A. An unmerge for a merge never seen, or already undone, changes
   * nothing. Returns the contacts to rescore.
   */
  async applyUnmerge(em: EntityManager, tenantId: string, event: ContactUnmergedV1): Promise<string[]> {
    await lockCustomerMatching(em, tenantId, 'exclusive');
    const changes = await applyUnmerge(em, tenantId, CONTACTS, { ...event.data, unmergedAt: event.occurredAt });
    // A restored contact whose creation never arrived is unknown again: its orders stop resolving.
    await forgetPlaceholders(
      em,
      tenantId,
      CONTACTS,
      changes.map((c) => c.id),
    );
    return this.followChanges(em, tenantId, changes);
  }

  /**
   * Sales deleted, restored or purged a contact: the copy keeps it (its
   * orders and the aggregates on them stay) and shows or hides it. Returns
   * the contacts to rescore (none: figures do not change, only who is listed).
   */
  async applyDeletion(em: EntityManager, tenantId: string, fact: DeletionFact): Promise<string[]> {
    await applyDeletionFact(em, tenantId, CONTACTS, fact);
    return [];
  }

  /** Orders given for the moved contacts (by contact id or an external id they hold) count for their survivor now. */
  private async followChanges(em: EntityManager, tenantId: string, changes: readonly SurvivorChange[]): Promise<string[]> {
    if (changes.length === 0) return [];
    const ids = changes.map((c) => c.id);
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
    // Whether or not orders moved, every contact whose group changed is rescored.
    return [...new Set(changes.flatMap((c) => [c.from, c.to]))];
  }
}
