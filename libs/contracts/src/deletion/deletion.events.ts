import type { EventEnvelope } from '../envelope';

/** The kinds of record that can be deleted (into the restore window) and restored. */
export type DeletableRecordType = 'CONTACT' | 'ACCOUNT' | 'OPPORTUNITY' | 'LEAD' | 'ACTIVITY' | 'PRODUCT' | 'CASE';

/**
 * A record was deleted: it is no longer readable through normal queries, and
 * can be restored until `restorableUntil`; after that a job deletes it for
 * good (the matching `.purged` event). `deletionId` names the deletion: the
 * records deleted with it (an account's contacts and opportunities when the
 * caller chose to delete them too) carry the same one and `cascadeOf` names
 * the record whose deletion took them along. Copies elsewhere hide the record
 * (it leaves segments, searches and lists) but keep it for the restore.
 */
export interface RecordDeletedDataV1 {
  recordType: DeletableRecordType;
  id: string;
  deletionId: string;
  deletedAt: string;
  restorableUntil: string;
  /** The record whose deletion took this one along; null when deleted on its own. */
  cascadeOf: string | null;
}

/** A deleted record was restored within its window: copies show it again as they had it. */
export interface RecordRestoredDataV1 {
  recordType: DeletableRecordType;
  id: string;
  deletionId: string;
  restoredAt: string;
}

/** A deleted record's window passed and the job deleted it for good: copies drop it. */
export interface RecordPurgedDataV1 {
  recordType: DeletableRecordType;
  id: string;
  deletionId: string;
  purgedAt: string;
}

export const CONTACT_DELETED = 'sales.contact.deleted' as const;
export const CONTACT_RESTORED = 'sales.contact.restored' as const;
export const CONTACT_PURGED = 'sales.contact.purged' as const;
export const ACCOUNT_DELETED = 'sales.account.deleted' as const;
export const ACCOUNT_RESTORED = 'sales.account.restored' as const;
export const ACCOUNT_PURGED = 'sales.account.purged' as const;
export const OPPORTUNITY_DELETED = 'sales.opportunity.deleted' as const;
export const OPPORTUNITY_RESTORED = 'sales.opportunity.restored' as const;
export const OPPORTUNITY_PURGED = 'sales.opportunity.purged' as const;
export const LEAD_DELETED = 'sales.lead.deleted' as const;
export const LEAD_RESTORED = 'sales.lead.restored' as const;
export const LEAD_PURGED = 'sales.lead.purged' as const;
export const ACTIVITY_DELETED = 'sales.activity.deleted' as const;
export const ACTIVITY_RESTORED = 'sales.activity.restored' as const;
export const ACTIVITY_PURGED = 'sales.activity.purged' as const;
export const PRODUCT_DELETED = 'sales.product.deleted' as const;
export const PRODUCT_RESTORED = 'sales.product.restored' as const;
export const PRODUCT_PURGED = 'sales.product.purged' as const;
export const CASE_DELETED = 'service.case.deleted' as const;
export const CASE_RESTORED = 'service.case.restored' as const;
export const CASE_PURGED = 'service.case.purged' as const;

export type ContactDeletedV1 = EventEnvelope<typeof CONTACT_DELETED, RecordDeletedDataV1>;
export type ContactRestoredV1 = EventEnvelope<typeof CONTACT_RESTORED, RecordRestoredDataV1>;
export type ContactPurgedV1 = EventEnvelope<typeof CONTACT_PURGED, RecordPurgedDataV1>;
export type AccountDeletedV1 = EventEnvelope<typeof ACCOUNT_DELETED, RecordDeletedDataV1>;
export type AccountRestoredV1 = EventEnvelope<typeof ACCOUNT_RESTORED, RecordRestoredDataV1>;
export type AccountPurgedV1 = EventEnvelope<typeof ACCOUNT_PURGED, RecordPurgedDataV1>;
export type OpportunityDeletedV1 = EventEnvelope<typeof OPPORTUNITY_DELETED, RecordDeletedDataV1>;
export type OpportunityRestoredV1 = EventEnvelope<typeof OPPORTUNITY_RESTORED, RecordRestoredDataV1>;
export type OpportunityPurgedV1 = EventEnvelope<typeof OPPORTUNITY_PURGED, RecordPurgedDataV1>;
export type LeadDeletedV1 = EventEnvelope<typeof LEAD_DELETED, RecordDeletedDataV1>;
export type LeadRestoredV1 = EventEnvelope<typeof LEAD_RESTORED, RecordRestoredDataV1>;
export type LeadPurgedV1 = EventEnvelope<typeof LEAD_PURGED, RecordPurgedDataV1>;
export type ActivityDeletedV1 = EventEnvelope<typeof ACTIVITY_DELETED, RecordDeletedDataV1>;
export type ActivityRestoredV1 = EventEnvelope<typeof ACTIVITY_RESTORED, RecordRestoredDataV1>;
export type ActivityPurgedV1 = EventEnvelope<typeof ACTIVITY_PURGED, RecordPurgedDataV1>;
export type ProductDeletedV1 = EventEnvelope<typeof PRODUCT_DELETED, RecordDeletedDataV1>;
export type ProductRestoredV1 = EventEnvelope<typeof PRODUCT_RESTORED, RecordRestoredDataV1>;
export type ProductPurgedV1 = EventEnvelope<typeof PRODUCT_PURGED, RecordPurgedDataV1>;
export type CaseDeletedV1 = EventEnvelope<typeof CASE_DELETED, RecordDeletedDataV1>;
export type CaseRestoredV1 = EventEnvelope<typeof CASE_RESTORED, RecordRestoredDataV1>;
export type CasePurgedV1 = EventEnvelope<typeof CASE_PURGED, RecordPurgedDataV1>;

/** The three lifecycle event types of each deletable record type. */
export const DELETION_EVENTS: Readonly<Record<DeletableRecordType, { deleted: string; restored: string; purged: string }>> = {
  CONTACT: { deleted: CONTACT_DELETED, restored: CONTACT_RESTORED, purged: CONTACT_PURGED },
  ACCOUNT: { deleted: ACCOUNT_DELETED, restored: ACCOUNT_RESTORED, purged: ACCOUNT_PURGED },
  OPPORTUNITY: { deleted: OPPORTUNITY_DELETED, restored: OPPORTUNITY_RESTORED, purged: OPPORTUNITY_PURGED },
  LEAD: { deleted: LEAD_DELETED, restored: LEAD_RESTORED, purged: LEAD_PURGED },
  ACTIVITY: { deleted: ACTIVITY_DELETED, restored: ACTIVITY_RESTORED, purged: ACTIVITY_PURGED },
  PRODUCT: { deleted: PRODUCT_DELETED, restored: PRODUCT_RESTORED, purged: PRODUCT_PURGED },
  CASE: { deleted: CASE_DELETED, restored: CASE_RESTORED, purged: CASE_PURGED },
};
