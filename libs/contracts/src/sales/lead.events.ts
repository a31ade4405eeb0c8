import type { EventEnvelope } from '../envelope';

export type LeadStatusV1 = 'NEW' | 'WORKING' | 'QUALIFIED' | 'DISQUALIFIED' | 'CONVERTED';

/** The lead as other services (marketing attribution, analytics) see it. */
export interface LeadSnapshotV1 {
  id: string;
  firstName: string | null;
  lastName: string;
  company: string | null;
  /** Lower-cased. */
  email: string | null;
  phone: string | null;
  source: string | null;
  status: LeadStatusV1;
  ownerId: string | null;
  score: number;
  convertedAt: string | null;
  convertedAccountId: string | null;
  convertedContactId: string | null;
  convertedOpportunityId: string | null;
  createdAt: string;
  updatedAt: string;
}

export const LEAD_CREATED = 'sales.lead.created' as const;
export type LeadCreatedV1 = EventEnvelope<typeof LEAD_CREATED, { lead: LeadSnapshotV1 }>;

export const LEAD_UPDATED = 'sales.lead.updated' as const;
export type LeadUpdatedV1 = EventEnvelope<typeof LEAD_UPDATED, { lead: LeadSnapshotV1; changed: string[] }>;

export const LEAD_CONVERTED = 'sales.lead.converted' as const;
/**
 * The lead became a customer. The account and contact were either reused or
 * created in the same transaction (then sales.account.created /
 * sales.contact.created accompany this event); the opportunity is optional.
 */
export type LeadConvertedV1 = EventEnvelope<
  typeof LEAD_CONVERTED,
  {
    lead: LeadSnapshotV1;
    accountId: string;
    accountCreated: boolean;
    contactId: string;
    contactCreated: boolean;
    opportunityId: string | null;
  }
>;
