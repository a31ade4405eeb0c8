import { CONTACT_UPDATED, SYSTEM_ACTOR } from '@rapport/contracts';
import { appendManyToOutbox, newEvent } from '@rapport/messaging';
import { In, type EntityManager, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ContactEntity } from '../contacts/contact.entity';
import { contactSnapshot } from '../contacts/contact-snapshot';
import { loadExternalIds } from '../external-ids/external-ids';

const BATCH = 1000;

/**
 * The E.164 migration (1765310000000) rewrote stored phones in sales only:
 * service, analytics and marketing kept the old spellings in their copies,
 * so marketing's SMS and its phone rules missed them. This publishes
 * `sales.contact.updated` (changed: phones) through the outbox for the
 * contacts that migration may have rewritten, once (a migration runs once).
 * Which rows it rewrote was not recorded, so every live, unmerged contact
 * holding an E.164 phone is published — a superset whose extra events carry
 * the snapshot the copies already hold. `updatedAt` stays as it is: the
 * copies apply a snapshot whose updatedAt is not older than theirs.
 */
export class SalesRepublishE164Phones1766936000000 implements MigrationInterface {
  name = 'SalesRepublishE164Phones1766936000000';

  async up(q: QueryRunner): Promise<void> {
    await republishE164Phones(q.manager);
  }

  async down(): Promise<void> {
    // Published events cannot be taken back; nothing in the schema changed.
  }
}

/** Appends one contact.updated per live, unmerged contact with an E.164 phone, in id order; returns how many. */
export async function republishE164Phones(em: EntityManager): Promise<number> {
  let after = '00000000-0000-0000-0000-000000000000';
  let published = 0;
  for (;;) {
    const ids: { id: string }[] = await em.query(
      `SELECT id FROM contacts
        WHERE id > $1 AND merged_into IS NULL AND EXISTS (SELECT 1 FROM unnest(phones) p WHERE p LIKE '+%')
        ORDER BY id LIMIT ${BATCH}`,
      [after],
    );
    if (ids.length === 0) return published;
    const contacts = await loadExternalIds(em, 'CONTACT', await em.getRepository(ContactEntity).findBy({ id: In(ids.map((r) => r.id)) }));
    await appendManyToOutbox(
      em,
      contacts.map((c) =>
        newEvent({
          type: CONTACT_UPDATED,
          tenantId: c.tenantId,
          actor: SYSTEM_ACTOR,
          subjectId: c.id,
          data: { contact: contactSnapshot(c), changed: ['phones'] },
        }),
      ),
    );
    published += contacts.length;
    after = ids[ids.length - 1].id;
  }
}
