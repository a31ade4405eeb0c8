import { Injectable } from '@nestjs/common';
import { badUserInput } from '@rapport/auth';
import { ServiceDatabase } from '@rapport/service-kit';

/**
 * Marketing learns of contacts from sales' events, a few milliseconds after
 * sales commits them. A web form that creates a contact and records its
 * consent right away would lose that race, so a contact id not yet in the
 * read model is given a short, bounded wait before it is refused.
 */
@Injectable()
export class KnownContacts {
  static readonly WAIT_MS = 3000;

  constructor(private readonly db: ServiceDatabase) {}

  /** The ids among `contactIds` the read model knows, after waiting (bounded) for the missing ones to arrive. */
  async known(tenantId: string, contactIds: string[], waitMs = KnownContacts.WAIT_MS): Promise<Set<string>> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const rows: { id: string }[] = await this.db.withTenant(tenantId, (em) =>
        em.query(`SELECT id FROM contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND sales_updated_at IS NOT NULL`, [
          tenantId,
          contactIds,
        ]),
      );
      const found = new Set(rows.map((r) => r.id));
      if (found.size === new Set(contactIds).size || Date.now() >= deadline) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async require(tenantId: string, contactId: string, field: string, waitMs = KnownContacts.WAIT_MS): Promise<void> {
    if (!(await this.known(tenantId, [contactId], waitMs)).has(contactId))
      throw badUserInput(field, `no contact ${contactId} in this tenant`);
  }
}
