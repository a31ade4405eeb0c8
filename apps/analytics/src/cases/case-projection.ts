import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@rapport/contracts';
import {
  applyCaseEvent,
  CASE_DELETION_EVENT_TYPES,
  CASE_EVENT_TYPES as CASE_FACT_TYPES,
  contactsTouchedBy,
} from '@rapport/customer-master';
import type { EntityManager } from 'typeorm';

/** The case events analytics follows: snapshots and status changes, and deletions (a deleted complaint is no churn signal). */
export const CASE_EVENT_TYPES: string[] = [...CASE_FACT_TYPES, ...CASE_DELETION_EVENT_TYPES];

/**
 * Keeps analytics' copy of service cases (see @rapport/customer-master's
 * contact_cases), in the events' inbox transaction. Returns the contacts
 * whose open complaints may have changed (a complaint that opened, closed,
 * was deleted or restored, or moved between contacts), to rescore their churn risk.
 */
@Injectable()
export class CaseProjection {
  async apply(em: EntityManager, tenantId: string, events: readonly EventEnvelope[]): Promise<string[]> {
    const affected = new Set<string>();
    for (const event of events) {
      const move = await applyCaseEvent(em, tenantId, event);
      if (!move) continue;
      for (const id of contactsTouchedBy(move, (row) => row.category === 'COMPLAINT')) affected.add(id);
    }
    return [...affected];
  }
}
