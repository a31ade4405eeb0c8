import {
  CART_ABANDONED,
  CONTACT_CREATED,
  CONTACT_RESYNCED,
  CONTACT_UPDATED,
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_RFM_CHANGED,
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  ORDER_RECORDED,
  type CartAbandonedV1,
  type ContactCreatedV1,
  type EventEnvelope,
  type OrderRecordedV1,
} from '@rapport/contracts';
import { caseDeletionFactOf, caseFactOf, deletionFactOf } from '@rapport/customer-master';
import { CASE_EVENTS } from './event-runs';

/**
 * The contacts a read-model batch will write, as far as its events name
 * them, for locking them before the first write (ADR 077):
 *
 * - `created`: contacts the batch writes whether or not marketing has them
 *   yet (a snapshot inserts its contact; a case or an order makes a
 *   placeholder for the contact it names), and whose survivors it may
 *   recount;
 * - `scored`: contacts of analytics' scores: written whether or not
 *   marketing has them yet (a placeholder), but only their own row — a
 *   score recounts nothing, so their survivors need no lock (and a
 *   scoring's batches, thousands of contacts each, no survivor lookup);
 * - `existing`: contacts the batch writes only if marketing has them (a
 *   deletion or a cart of a contact it has never seen changes nothing);
 * - `cases`, `orders`: cases and orders whose stored contact a change may
 *   leave (and recount), read before locking;
 * - `exclusive`: the batch changes who stands for whom (a merge, an unmerge)
 *   or names contacts only while it runs (a cart given by an external id, an
 *   event of another type): it takes the tenant's read model alone.
 */
export interface BatchContacts {
  exclusive: boolean;
  created: string[];
  scored: string[];
  existing: string[];
  cases: string[];
  orders: string[];
}

const SNAPSHOTS = new Set<string>([CONTACT_CREATED, CONTACT_UPDATED, CONTACT_RESYNCED]);
const SCORES = new Set<string>([CUSTOMER_RFM_CHANGED, CUSTOMER_TIER_CHANGED, CUSTOMER_CHURN_RISK_CHANGED, CUSTOMER_VALUE_CHANGED]);
const CASES = new Set<string>(CASE_EVENTS);

export function contactsNamedBy(events: readonly EventEnvelope[]): BatchContacts {
  const named: BatchContacts = { exclusive: false, created: [], scored: [], existing: [], cases: [], orders: [] };
  for (const event of events) {
    if (SNAPSHOTS.has(event.type)) {
      named.created.push((event as ContactCreatedV1).data.contact.id);
    } else if (SCORES.has(event.type)) {
      named.scored.push((event.data as { contactId: string }).contactId);
    } else if (CASES.has(event.type)) {
      const fact = caseFactOf(event) ?? caseDeletionFactOf(event);
      if (!fact) continue;
      named.cases.push(fact.caseId);
      if ('contact' in fact && fact.contact?.id) named.created.push(fact.contact.id);
    } else if (event.type === ORDER_RECORDED) {
      const order = (event as OrderRecordedV1).data;
      named.orders.push(order.orderId);
      if (order.contactId) named.created.push(order.contactId);
    } else if (event.type === CART_ABANDONED && (event as CartAbandonedV1).data.contactId) {
      named.existing.push((event as CartAbandonedV1).data.contactId as string);
    } else {
      const deletion = deletionFactOf(event);
      if (deletion?.kind === 'CONTACT') named.existing.push(deletion.id);
      else return { exclusive: true, created: [], scored: [], existing: [], cases: [], orders: [] };
    }
  }
  return named;
}
