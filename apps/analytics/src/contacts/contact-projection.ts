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
import type { EntityManager } from 'typeorm';
import { dropValuesOfMerged } from '../clv/merged-values';
import { matchOrdersOfContacts, matchOrdersOfExternalIds, repointOrdersOfMoved } from '../orders/order-contacts';
import { orderMatchedEvents } from '../orders/order-matched-events';
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
    const byContactId = await matchOrdersOfContacts(em, tenantId, keptIds);
    const byExternalId = await matchOrdersOfExternalIds(em, tenantId, ids);
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
    await dropValuesOfMerged(em, tenantId, merged);
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
    await repointOrdersOfMoved(
      em,
      tenantId,
      changes.map((c) => c.id),
    );
    // Whether or not orders moved, every contact whose group changed is rescored.
    return [...new Set(changes.flatMap((c) => [c.from, c.to]))];
  }
}
