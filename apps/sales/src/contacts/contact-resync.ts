import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CONTACT_RESYNCED } from '@rapport/contracts';
import { ResyncResponder } from '@rapport/service-kit';
import { In, type EntityManager } from 'typeorm';
import { loadExternalIds } from '../external-ids/external-ids';
import { ContactEntity } from './contact.entity';
import { contactSnapshot } from './contact-snapshot';

/**
 * Sales' part in resyncs (ADR 053): every live, unmerged contact of the
 * tenant, as `sales.contact.resynced` with the snapshot contact events carry.
 * Deleted contacts are not in the `contacts` view, merged ones stand for
 * their survivor: neither is a live record a copy should hold.
 */
@Injectable()
export class ContactResync implements OnModuleInit {
  constructor(private readonly responder: ResyncResponder) {}

  onModuleInit(): void {
    this.responder.register({ recordType: 'contact', eventType: CONTACT_RESYNCED, page: liveContacts });
  }
}

/** One page of the tenant's live, unmerged contacts after `afterId`, in id order, as resynced events' data. */
export async function liveContacts(
  em: EntityManager,
  tenantId: string,
  afterId: string | null,
  limit: number,
): Promise<{ id: string; data: object }[]> {
  const ids: { id: string }[] = await em.query(
    `SELECT id FROM contacts WHERE tenant_id = $1 AND merged_into IS NULL AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
    [tenantId, afterId, limit],
  );
  if (ids.length === 0) return [];
  const found = await em.getRepository(ContactEntity).findBy({ id: In(ids.map((r) => r.id)) });
  const contacts = await loadExternalIds(
    em,
    'CONTACT',
    found.sort((a, b) => (a.id < b.id ? -1 : 1)),
  );
  return contacts.map((c) => ({ id: c.id, data: { contact: contactSnapshot(c) } }));
}
