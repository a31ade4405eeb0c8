import type { EventEnvelope } from '../envelope';

/** External identifier of a customer in another system (ERP, web shop…). */
export interface ExternalIdV1 {
  source: string;
  key: string;
}

/** The contact as other services see it: enough to build their read models. */
export interface ContactSnapshotV1 {
  id: string;
  accountId: string | null;
  ownerId: string | null;
  firstName: string | null;
  lastName: string;
  emails: string[];
  phones: string[];
  externalIds: ExternalIdV1[];
  createdAt: string;
  updatedAt: string;
}

export const CONTACT_CREATED = 'sales.contact.created' as const;
export type ContactCreatedV1 = EventEnvelope<typeof CONTACT_CREATED, { contact: ContactSnapshotV1 }>;

export const CONTACT_UPDATED = 'sales.contact.updated' as const;
/** `changed` lists the top-level fields whose value differs from before. */
export type ContactUpdatedV1 = EventEnvelope<typeof CONTACT_UPDATED, { contact: ContactSnapshotV1; changed: string[] }>;
