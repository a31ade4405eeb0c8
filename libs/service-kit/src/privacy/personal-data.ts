import { externalCustomerRecord } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';

/**
 * What one service holds about a person, in its own schema. Each service that
 * takes part in data-subject requests provides one under PERSONAL_DATA; the
 * participant runs it in the request event's inbox transaction.
 * `recordIds` are the contact records the coordinator knows to be the person;
 * an implementation adds what its own merge projection knows (survivor and
 * members) before it reads or erases.
 */
export interface PersonalDataSource {
  /** Rows per table, as stored (secrets such as password hashes left out). */
  gather(em: EntityManager, tenantId: string, recordIds: string[]): Promise<Record<string, unknown[]>>;
  /**
   * Erases or irreversibly anonymises the person's personal values (names,
   * addresses, phones, free text, external ids) and keeps what aggregates
   * need (amounts, dates, statuses, ids). Returns rows changed per table.
   */
  erase(em: EntityManager, tenantId: string, recordIds: string[]): Promise<Record<string, number>>;
  /**
   * Records besides the contacts whose data keys sealed events about the
   * person (ADR 052): leads converted into them, the external customer ids
   * partners' commerce events were keyed by. Read before `erase` (which may
   * remove what finds them); the participant shreds their keys with the
   * contacts'. Absent: the contacts' keys are all.
   */
  sealedRecords?(em: EntityManager, tenantId: string, recordIds: string[]): Promise<string[]>;
}

export const PERSONAL_DATA = Symbol('PERSONAL_DATA');

/** Written where a personal text value was; short so that no one mistakes it for data. */
export const ERASED = '[erased]';

/** Rows an UPDATE or DELETE through `em.query` reports. */
export function affected(result: unknown): number {
  if (Array.isArray(result) && typeof result[1] === 'number') return result[1];
  return 0;
}

/**
 * Published events that named the person, kept in the outbox after the relay
 * sent them: the stream is where replays read from, so the outbox's copy is
 * only history, and it holds the same personal values. Unpublished rows stay
 * (the relay must still send them).
 */
export async function eraseOutboxMentions(em: EntityManager, recordIds: string[]): Promise<number> {
  return affected(
    await em.query(
      `DELETE FROM outbox o WHERE o.published_at IS NOT NULL
          AND EXISTS (SELECT 1 FROM unnest($1::text[]) AS i(id) WHERE strpos(o.envelope::text, i.id) > 0)`,
      [recordIds],
    ),
  );
}

/**
 * The sealing records of the external ids the contacts hold (both sales and
 * analytics keep a `contact_external_ids` table: source, key, contact_id).
 */
export async function externalCustomerRecords(em: EntityManager, contactIds: string[]): Promise<string[]> {
  const rows: { source: string; key: string }[] = await em.query(
    `SELECT source, key FROM contact_external_ids WHERE contact_id = ANY($1)`,
    [contactIds],
  );
  return rows.map((r) => externalCustomerRecord(r.source, r.key));
}
