import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@rapport/contracts';
import { applyCaseFact, caseFactOf, contactsTouchedBy } from '@rapport/customer-master';
import type { EntityManager } from 'typeorm';

export { CASE_EVENT_TYPES } from '@rapport/customer-master';

/**
 * Keeps analytics' copy of service cases (see @rapport/customer-master's
 * contact_cases), in the events' inbox transaction. Returns the contacts
 * whose open complaints may have changed (a complaint that opened, closed,
 * or moved between contacts), to rescore their churn risk.
 */
@Injectable()
export class CaseProjection {
  async apply(em: EntityManager, tenantId: string, events: readonly EventEnvelope[]): Promise<string[]> {
    const affected = new Set<string>();
    for (const event of events) {
      const fact = caseFactOf(event);
      const move = fact && (await applyCaseFact(em, tenantId, fact));
      if (!move) continue;
      for (const id of contactsTouchedBy(move, (row) => row.category === 'COMPLAINT')) affected.add(id);
    }
    return [...affected];
  }
}
