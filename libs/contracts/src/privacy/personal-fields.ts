import { createHash } from 'node:crypto';

/**
 * Crypto-shredding of the event streams (ADR 034). The personal fields of
 * these event types never travel readable: the outbox relay moves them into
 * the envelope's `personal` (AES-256-GCM under the data key of the person's
 * record) and leaves each field's erased value in its place; consumers put
 * them back with the key. Erasure destroys the keys of every record of the
 * person, so every past message about them then reads as erased, on any
 * replay, while ids, amounts and statuses replay as they were.
 */

/** The sealed personal fields of one event: field path → value, encrypted. All base64. */
export interface SealedPersonalV1 {
  /** `<tenantId>.<recordId>`: the data key it was sealed with. */
  keyId: string;
  /** Which key of that record: a record erased and written again has a new one. */
  keyRevision: number;
  iv: string;
  tag: string;
  data: string;
}

export interface PersonalFieldsSpec {
  /** The contact record whose key seals the fields; null: the event names no person (sent as it is). */
  record(data: unknown): string | null;
  /** Paths inside `data`, each with what it reads as once the key is gone. */
  fields: { path: readonly string[]; erased: unknown }[];
}

const ERASED_TEXT = '[erased]';

/**
 * The record an event about a customer known only by another system's id
 * (a partner's `externalCustomer`) is sealed under: a digest, so the key id
 * itself names no one, and erasure finds it again from the external ids the
 * person's contact records hold (`externalCustomerRecord`).
 */
export function externalCustomerRecord(source: string, key: string): string {
  return `ext-${createHash('sha256').update(`${source}\n${key}`).digest('hex').slice(0, 40)}`;
}

const at = (data: unknown, ...path: string[]): string | null => {
  let value: unknown = data;
  for (const key of path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : null;
};

const CONTACT_SNAPSHOT: PersonalFieldsSpec = {
  record: (data) => at(data, 'contact', 'id'),
  fields: [
    { path: ['contact', 'firstName'], erased: null },
    { path: ['contact', 'lastName'], erased: ERASED_TEXT },
    { path: ['contact', 'emails'], erased: [] },
    { path: ['contact', 'phones'], erased: [] },
    { path: ['contact', 'externalIds'], erased: [] },
  ],
};

const CASE_SNAPSHOT: PersonalFieldsSpec = {
  record: (data) => at(data, 'case', 'contactId'),
  fields: [{ path: ['case', 'subject'], erased: ERASED_TEXT }],
};

/** A customer login (staff name no contact and travel as they are). */
const CUSTOMER_USER: PersonalFieldsSpec = {
  record: (data) => at(data, 'user', 'contactId'),
  fields: [
    { path: ['user', 'email'], erased: ERASED_TEXT },
    { path: ['user', 'displayName'], erased: ERASED_TEXT },
  ],
};

const CUSTOMER_INVITATION: PersonalFieldsSpec = {
  record: (data) => at(data, 'invitation', 'contactId'),
  fields: [{ path: ['invitation', 'email'], erased: ERASED_TEXT }],
};

/** A lead is a person before conversion: its own id keys it; erasing the contact it became shreds that key too (sales' sealedRecords). */
const LEAD_SNAPSHOT: PersonalFieldsSpec = {
  record: (data) => at(data, 'lead', 'id'),
  fields: [
    { path: ['lead', 'firstName'], erased: null },
    { path: ['lead', 'lastName'], erased: ERASED_TEXT },
    { path: ['lead', 'company'], erased: null },
    { path: ['lead', 'email'], erased: null },
    { path: ['lead', 'phone'], erased: null },
  ],
};

/**
 * An activity's subject often names the person ("Call Ada about her
 * parcel"). Sealed when it is about a contact or a lead (the records an
 * erasure reaches); on an account or opportunity it travels as it is.
 */
const ACTIVITY_SNAPSHOT: PersonalFieldsSpec = {
  record: (data) => {
    const targetType = at(data, 'activity', 'targetType');
    return targetType === 'CONTACT' || targetType === 'LEAD' ? at(data, 'activity', 'targetId') : null;
  },
  fields: [{ path: ['activity', 'subject'], erased: ERASED_TEXT }],
};

/** The customer of a commerce event: its contact when the sender named one, else the external id it gave. */
function commerceCustomer(customer: unknown): string | null {
  const contactId = at(customer, 'contactId');
  if (contactId) return contactId;
  const source = at(customer, 'externalCustomer', 'source');
  const key = at(customer, 'externalCustomer', 'key');
  return source && key ? externalCustomerRecord(source, key) : null;
}

const COMMERCE_INTERACTION: PersonalFieldsSpec = {
  record: commerceCustomer,
  fields: [{ path: ['externalCustomer'], erased: null }],
};

/** Bounce reasons and provider answers quote the address the message went to. */
const MESSAGE_EVENT: PersonalFieldsSpec = {
  record: (data) => at(data, 'contactId'),
  fields: [{ path: ['detail'], erased: null }],
};

/** By event type. A type not listed carries no personal values (ids, amounts, statuses only). */
export const PERSONAL_FIELDS: Readonly<Record<string, PersonalFieldsSpec>> = {
  'sales.contact.created': CONTACT_SNAPSHOT,
  'sales.contact.updated': CONTACT_SNAPSHOT,
  // A live contact republished for a rebuild (ADR 053): the same snapshot.
  'sales.contact.resynced': CONTACT_SNAPSHOT,
  'service.case.opened': CASE_SNAPSHOT,
  'service.case.updated': CASE_SNAPSHOT,
  'service.case.resolved': CASE_SNAPSHOT,
  'service.case.reopened': CASE_SNAPSHOT,
  'service.case.resynced': CASE_SNAPSHOT,
  'service.case.rated': { record: (data) => at(data, 'contactId'), fields: [{ path: ['comment'], erased: null }] },
  'identity.user.created': CUSTOMER_USER,
  'identity.user.updated': CUSTOMER_USER,
  'identity.user.deactivated': CUSTOMER_USER,
  'identity.user.password_reset': CUSTOMER_USER,
  'identity.user.invited': CUSTOMER_INVITATION,
  'identity.user.invitation_revoked': CUSTOMER_INVITATION,
  'marketing.consent.changed': { record: (data) => at(data, 'contactId'), fields: [{ path: ['proof'], erased: null }] },
  'sales.lead.created': LEAD_SNAPSHOT,
  'sales.lead.updated': LEAD_SNAPSHOT,
  'sales.lead.converted': LEAD_SNAPSHOT,
  'sales.activity.created': ACTIVITY_SNAPSHOT,
  'sales.activity.completed': ACTIVITY_SNAPSHOT,
  'sales.activity.due': ACTIVITY_SNAPSHOT,
  'commerce.order.placed': {
    record: (data) => commerceCustomer(data && typeof data === 'object' ? (data as { order?: unknown }).order : null),
    fields: [{ path: ['order', 'externalCustomer'], erased: null }],
  },
  'commerce.cart.abandoned': COMMERCE_INTERACTION,
  'commerce.cart.updated': COMMERCE_INTERACTION,
  'commerce.page.viewed': COMMERCE_INTERACTION,
  'commerce.product.viewed': COMMERCE_INTERACTION,
  'marketing.message.sent': MESSAGE_EVENT,
  'marketing.message.delivered': MESSAGE_EVENT,
  'marketing.message.opened': MESSAGE_EVENT,
  'marketing.message.clicked': MESSAGE_EVENT,
  'marketing.message.bounced': MESSAGE_EVENT,
  'marketing.message.unsubscribed': MESSAGE_EVENT,
  // A service-recovery task's text is written about the person it is for.
  'marketing.recovery.task_requested': {
    record: (data) => at(data, 'contactId'),
    fields: [
      { path: ['subject'], erased: ERASED_TEXT },
      { path: ['body'], erased: null },
    ],
  },
};

/** The data key id of a record: keys are per tenant and record. */
export function personalKeyId(tenantId: string, recordId: string): string {
  return `${tenantId}.${recordId}`;
}
