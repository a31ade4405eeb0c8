import { Injectable } from '@nestjs/common';
import { badUserInput } from '@rapport/auth';
import { ServiceDatabase, type WaitBudget } from '@rapport/service-kit';

/** Between two looks at the read model while waiting: short, so a contact that arrives is seen soon after. */
const POLL_MS = 100;

/**
 * Marketing learns of contacts from sales' events, a few milliseconds after
 * sales commits them. A web form that creates a contact and records its
 * consent right away would lose that race, so a contact id not yet in the
 * read model is given a short wait before it is refused.
 *
 * The wait comes out of the request's WaitBudget (WAIT_MS per request, not per
 * id or per call): aliases and lists of unknown ids used to wait 3 s each, in
 * turn. Keeping one wait, rather than refusing unknown ids at once, keeps the
 * create-then-consent flow working without the client retrying.
 */
@Injectable()
export class KnownContacts {
  static readonly WAIT_MS = 3000;

  constructor(private readonly db: ServiceDatabase) {}

  /** The ids among `contactIds` the read model knows, after waiting (within the request's budget) for the missing ones. */
  async known(tenantId: string, contactIds: string[], budget: WaitBudget): Promise<Set<string>> {
    for (;;) {
      const rows: { id: string }[] = await this.db.withTenant(tenantId, (em) =>
        em.query(`SELECT id FROM contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND sales_updated_at IS NOT NULL`, [
          tenantId,
          contactIds,
        ]),
      );
      const found = new Set(rows.map((r) => r.id));
      const remaining = budget.remainingMs();
      if (found.size === new Set(contactIds).size || remaining === 0) return found;
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, remaining)));
    }
  }

  async require(tenantId: string, contactId: string, field: string, budget: WaitBudget): Promise<void> {
    if (!(await this.known(tenantId, [contactId], budget)).has(contactId))
      throw badUserInput(field, `no contact ${contactId} in this tenant`);
  }
}
