import type { EventEnvelope } from '../envelope';
import type { ContactSnapshotV1 } from '../sales/contact.events';
import type { CaseSnapshotV1 } from '../service/case.events';

/**
 * Resync (docs/adr/053-stream-retention-and-resync.md). Streams keep messages
 * for NATS_STREAM_MAX_AGE only, so a read model cannot rebuild itself from
 * the start of its owner's stream any more. Instead it asks the owner to
 * republish the current state of a tenant's live records as `*.resynced`
 * events (through the outbox, after everything published before), followed
 * by one `<service>.resync.completed`; the read model applies the stream
 * from its retained start up to that marker, and the tail after it reaches
 * its live consumers as usual.
 *
 * A resynced event is a statement of current state, not a change: webhooks,
 * journeys and timelines ignore it (they never subscribe to these types);
 * only copies of the record apply it, keeping the newest by `updatedAt`.
 */

/** A live, unmerged contact as sales holds it now. */
export const CONTACT_RESYNCED = 'sales.contact.resynced' as const;
export type ContactResyncedV1 = EventEnvelope<typeof CONTACT_RESYNCED, { contact: ContactSnapshotV1; resyncId: string }>;

/** A live case as service holds it now. */
export const CASE_RESYNCED = 'service.case.resynced' as const;
export type CaseResyncedV1 = EventEnvelope<typeof CASE_RESYNCED, { case: CaseSnapshotV1; resyncId: string }>;

/** The event type that closes a resync on the owner's stream. */
export function resyncCompletedType(service: string): string {
  return `${service}.resync.completed`;
}

export interface ResyncCompletedDataV1 {
  resyncId: string;
  /** Events published per record type. */
  published: Record<string, number>;
}
export type ResyncCompletedV1 = EventEnvelope<string, ResyncCompletedDataV1>;

/** Asked of an owner over NATS request/reply (subject `resync.<service>.request`). */
export interface ResyncRequestV1 {
  tenantId: string;
  /** Record types to republish (empty or absent: every type the owner has). */
  recordTypes?: string[];
}

/** The owner's answer once every resynced event and the marker are in its outbox. */
export type ResyncReplyV1 = { resyncId: string; published: Record<string, number> } | { error: string };
