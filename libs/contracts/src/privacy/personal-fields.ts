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

/** By event type. A type not listed carries no personal values (ids, amounts, statuses only). */
export const PERSONAL_FIELDS: Readonly<Record<string, PersonalFieldsSpec>> = {
  'sales.contact.created': CONTACT_SNAPSHOT,
  'sales.contact.updated': CONTACT_SNAPSHOT,
  'service.case.opened': CASE_SNAPSHOT,
  'service.case.updated': CASE_SNAPSHOT,
  'service.case.resolved': CASE_SNAPSHOT,
  'service.case.reopened': CASE_SNAPSHOT,
  'service.case.rated': { record: (data) => at(data, 'contactId'), fields: [{ path: ['comment'], erased: null }] },
  'identity.user.created': CUSTOMER_USER,
  'identity.user.updated': CUSTOMER_USER,
  'identity.user.deactivated': CUSTOMER_USER,
  'identity.user.password_reset': CUSTOMER_USER,
  'identity.user.invited': CUSTOMER_INVITATION,
  'identity.user.invitation_revoked': CUSTOMER_INVITATION,
  'marketing.consent.changed': { record: (data) => at(data, 'contactId'), fields: [{ path: ['proof'], erased: null }] },
};

/** The data key id of a record: keys are per tenant and record. */
export function personalKeyId(tenantId: string, recordId: string): string {
  return `${tenantId}.${recordId}`;
}
