import { Injectable } from '@nestjs/common';
import type { ContactMergedV1, ContactSnapshotV1, ContactUnmergedV1 } from '@rapport/contracts';
import {
  applyDeletionFact,
  applyMerge,
  applyUnmerge,
  externalIdKey,
  newestPerRecord,
  replaceExternalIds,
  resolveExternalIds,
  upsertSnapshots,
  type DeletionFact,
  type SurvivorChange,
} from '@rapport/customer-master';
import type { EntityManager } from 'typeorm';
import { CONTACTS, refreshAggregates } from './survivors';

/** What marketing keeps of a contact's profile (besides the columns the customer master owns). */
const PROFILE_COLUMNS = ['first_name', 'last_name', 'email', 'emails', 'phone', 'phones', 'account_id', 'owner_id', 'created_at'];

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
    return (await this.applySnapshots(em, tenantId, [contact])).has(contact.id);
  }

  /**
   * Applies a run of snapshots set-based (one upsert, one external-id
   * replacement): per contact the newest wins, as if applied one by one.
   * Returns the contacts whose row took a snapshot of the run.
   */
  async applySnapshots(em: EntityManager, tenantId: string, contacts: readonly ContactSnapshotV1[]): Promise<Set<string>> {
    const applied = new Set(
      await upsertSnapshots(
        em,
        tenantId,
        CONTACTS,
        PROFILE_COLUMNS,
        contacts.map((contact) => {
          const emails = (contact.emails ?? []).map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0);
          const phones = (contact.phones ?? []).map((p) => p.trim()).filter((p) => p.length > 0);
          return {
            id: contact.id,
            updatedAt: contact.updatedAt,
            columns: {
              first_name: contact.firstName,
              last_name: contact.lastName,
              email: emails[0] ?? null,
              emails,
              phone: phones[0] ?? null,
              phones,
              account_id: contact.accountId,
              owner_id: contact.ownerId,
              created_at: contact.createdAt,
            },
          };
        }),
      ),
    );
    if (applied.size === 0) return applied;
    // The newest snapshot of each applied contact, oldest first (as replaceExternalIds expects).
    const newest = newestPerRecord(contacts).filter((c) => applied.has(c.id));
    await replaceExternalIds(
      em,
      tenantId,
      newest.map((c) => ({ id: c.id, externalIds: c.externalIds ?? [] })),
    );
    return applied;
  }

  /**
   * The merged contacts stand for the survivor from now on
   * (libs/customer-master): they leave every segment, and the survivor's
   * aggregates (cases, orders, touches) and effective consent take theirs
   * in. Returns the survivor at the top, or null when nothing changed.
   */
  async applyMerge(em: EntityManager, tenantId: string, event: ContactMergedV1): Promise<string | null> {
    return (await this.applyMerges(em, tenantId, [event]))[0];
  }

  /**
   * A run of merges (stream order), each as `applyMerge` applies it, with
   * one recount at the end of every survivor any of them left or joined: a
   * recount reads only the rows, so once after the last merge gives each
   * survivor the sums one by one would. Returns each merge's survivor at the
   * top (as it stood after that merge), or null where nothing changed.
   */
  async applyMerges(em: EntityManager, tenantId: string, events: readonly ContactMergedV1[]): Promise<(string | null)[]> {
    const survivors: (string | null)[] = [];
    const touched = new Set<string>();
    for (const event of events) {
      const changes = await applyMerge(em, tenantId, CONTACTS, {
        // Merges published before the journal id existed are identified by their event.
        mergeId: event.data.mergeId ?? event.id,
        survivorId: event.data.survivorId,
        mergedIds: event.data.mergedIds,
        mergedAt: event.occurredAt,
      });
      for (const id of groupsTouched(changes)) touched.add(id);
      survivors.push(changes.find((c) => c.id !== c.to)?.to ?? null);
    }
    await refreshAggregates(em, tenantId, [...touched]);
    return survivors;
  }

  /**
   * Undoes one merge: each restored contact (and what had been merged into
   * it before) stands for itself again — nested merges unwind one level at a
   * time. Returns every survivor whose aggregates changed.
   */
  async applyUnmerge(em: EntityManager, tenantId: string, event: ContactUnmergedV1): Promise<string[]> {
    const changes = await applyUnmerge(em, tenantId, CONTACTS, { ...event.data, unmergedAt: event.occurredAt });
    const changed = groupsTouched(changes);
    await refreshAggregates(em, tenantId, changed);
    return changed;
  }

  /**
   * Sales deleted, restored or purged a contact: it leaves (or rejoins)
   * every segment, audience and send, keeping its consents and history for
   * the restore. Returns whether the row changed.
   */
  async applyDeletion(em: EntityManager, tenantId: string, fact: DeletionFact): Promise<boolean> {
    return applyDeletionFact(em, tenantId, CONTACTS, fact);
  }

  /** The contact an external id belongs to now (after merges), or null. */
  async resolveExternalId(em: EntityManager, tenantId: string, source: string, key: string): Promise<string | null> {
    const found = await resolveExternalIds(em, tenantId, CONTACTS, [{ source, key }]);
    return found.get(externalIdKey({ source, key })) ?? null;
  }
}

/** Every survivor a change left or joined: their sums over the group change. */
function groupsTouched(changes: readonly SurvivorChange[]): string[] {
  return [...new Set(changes.flatMap((c) => [c.from, c.to]))];
}
