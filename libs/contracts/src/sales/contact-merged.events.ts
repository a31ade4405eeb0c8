import type { EventEnvelope } from '../envelope';

/**
 * Duplicates were merged into one customer record. `survivorId` is the record
 * that remains (and the envelope's subjectId); `mergedIds` are the records
 * folded into it. Consumers re-point whatever they keep about the merged
 * contacts — orders, scores, consents — to the survivor.
 */
export interface ContactMergedDataV1 {
  survivorId: string;
  mergedIds: string[];
  /** The merge journal entry, to undo with unmergeContacts; optional because it was added to V1 later (events published before lack it). */
  mergeId?: string;
}

export const CONTACT_MERGED = 'sales.contact.merged' as const;
export type ContactMergedV1 = EventEnvelope<typeof CONTACT_MERGED, ContactMergedDataV1>;

/**
 * A merge was undone: the `restoredIds` are separate records again (with
 * their own activities, opportunities and external ids as before the merge).
 * Consumers that re-pointed records on the merge re-point those that came
 * from the restored contacts back, or simply stop resolving them to the survivor.
 */
export interface ContactUnmergedDataV1 {
  survivorId: string;
  restoredIds: string[];
  mergeId: string;
}

export const CONTACT_UNMERGED = 'sales.contact.unmerged' as const;
export type ContactUnmergedV1 = EventEnvelope<typeof CONTACT_UNMERGED, ContactUnmergedDataV1>;

/** Duplicate accounts were merged; contacts and opportunities of `mergedIds` now belong to `survivorId`. */
export interface AccountMergedDataV1 {
  survivorId: string;
  mergedIds: string[];
  mergeId: string;
}

export const ACCOUNT_MERGED = 'sales.account.merged' as const;
export type AccountMergedV1 = EventEnvelope<typeof ACCOUNT_MERGED, AccountMergedDataV1>;

/** An account merge was undone. */
export interface AccountUnmergedDataV1 {
  survivorId: string;
  restoredIds: string[];
  mergeId: string;
}

export const ACCOUNT_UNMERGED = 'sales.account.unmerged' as const;
export type AccountUnmergedV1 = EventEnvelope<typeof ACCOUNT_UNMERGED, AccountUnmergedDataV1>;
