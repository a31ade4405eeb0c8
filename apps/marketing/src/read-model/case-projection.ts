import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@rapport/contracts';
import { applyCaseEvent, caseFactOf, contactsTouchedBy } from '@rapport/customer-master';
import type { EntityManager } from 'typeorm';
import { ensureContacts, refreshAggregates, survivorsOf } from './survivors';

export interface CaseChange {
  /** The survivor the case counts for now; null when the event changed nothing here or the case names no contact. */
  contactId: string | null;
  /** Survivors whose open complaints went from none to some (their journeys pause) … */
  complaintOpened: string[];
  /** … or from some to none (they resume). */
  complaintsCleared: string[];
}

const NO_CHANGE: CaseChange = { contactId: null, complaintOpened: [], complaintsCleared: [] };

/**
 * Open cases and complaints per contact, from service's case events (kept
 * by @rapport/customer-master's contact_cases), so a customer who has just
 * complained is not approached for marketing (a deleted case counts for
 * nobody until it is restored). Each change refreshes the
 * counts of the survivors the case left and joined.
 */
@Injectable()
export class CaseProjection {
  async apply(em: EntityManager, tenantId: string, event: EventEnvelope): Promise<CaseChange> {
    const fact = caseFactOf(event);
    if (fact?.contact?.id) await ensureContacts(em, tenantId, [fact.contact.id]);
    const move = await applyCaseEvent(em, tenantId, event);
    if (!move) return NO_CHANGE;
    const survivors = await survivorsOf(em, tenantId, contactsTouchedBy(move));
    const { complaintOpened, complaintsCleared } = await refreshAggregates(em, tenantId, [...new Set(survivors.values())]);
    const contactId = move.after.contactId ? (survivors.get(move.after.contactId) ?? null) : null;
    return { contactId, complaintOpened, complaintsCleared };
  }
}
