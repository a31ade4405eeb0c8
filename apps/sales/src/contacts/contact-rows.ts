import type { EntityManager } from 'typeorm';
import { ContactEntity } from './contact.entity';

/**
 * New contacts, however many, in one multi-row INSERT (the import's path;
 * their external ids are written by external-ids, their events by the
 * caller, in the same transaction).
 */
export async function insertContacts(em: EntityManager, contacts: readonly ContactEntity[]): Promise<void> {
  if (contacts.length === 0) return;
  await em.getRepository(ContactEntity).insert(contacts.map(({ externalIds: _x, ...c }) => c));
}

/** The contacts changed without an edit of their own (an account merge moved them): their version moves on. */
export async function touchContacts(em: EntityManager, ids: readonly string[], at: Date): Promise<void> {
  await em.query(`UPDATE contacts SET updated_at = $2 WHERE id = ANY($1::uuid[])`, [ids, at]);
}
