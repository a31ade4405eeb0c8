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
}

export const CONTACT_MERGED = 'sales.contact.merged' as const;
export type ContactMergedV1 = EventEnvelope<typeof CONTACT_MERGED, ContactMergedDataV1>;
