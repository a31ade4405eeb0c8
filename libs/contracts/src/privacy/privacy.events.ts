import type { EventEnvelope } from '../envelope';

/**
 * Data-subject requests (GDPR export and erasure) as a saga over NATS
 * (docs/adr/034-gdpr-data-subject-requests.md): service coordinates; every
 * service that holds personal data answers on its own stream.
 */

/** The services that hold personal data and must answer every request; the coordinator waits for each by name. */
export const PRIVACY_PARTICIPANTS = ['sales', 'service', 'analytics', 'marketing', 'identity'] as const;
export type PrivacyParticipant = (typeof PRIVACY_PARTICIPANTS)[number];

/** What a request names: the contact asked about and every record known to be the same person (merges followed). */
export interface PrivacySubjectV1 {
  requestId: string;
  contactId: string;
  /** The contact, its survivor and every record merged into it, as the coordinator knew them; each service adds what its own merges know. */
  recordIds: string[];
}

export const PERSONAL_DATA_EXPORT_REQUESTED = 'service.privacy.export_requested' as const;
export type PersonalDataExportRequestedV1 = EventEnvelope<
  typeof PERSONAL_DATA_EXPORT_REQUESTED,
  PrivacySubjectV1 & {
    /** RSA public key (SPKI PEM) the answers are sealed with: only the coordinator can open them, and it forgets the private key once the archive is built, so the stream never holds readable personal data. */
    publicKey: string;
  }
>;

export const ERASURE_REQUESTED = 'service.privacy.erasure_requested' as const;
export type ErasureRequestedV1 = EventEnvelope<
  typeof ERASURE_REQUESTED,
  PrivacySubjectV1 & {
    /** An admin erased despite an open case or a legal hold. */
    forced: boolean;
  }
>;

/** A sealed JSON document: AES-256-GCM under a random key, the key wrapped with RSA-OAEP (SHA-256). All base64. */
export interface SealedJsonV1 {
  key: string;
  iv: string;
  tag: string;
  data: string;
}

/** `<service>.privacy.export_gathered`: one service's part of the archive, sealed to the request's key. */
export const EXPORT_GATHERED_SUFFIX = '.privacy.export_gathered';
export interface PersonalDataGatheredV1 {
  requestId: string;
  service: string;
  /** Rows per table (counts only: readable in the stream, as they say nothing about the person). */
  counts: Record<string, number>;
  /** `{ tables: { <table>: rows[] } }`, sealed. */
  sealed: SealedJsonV1;
}
export type PersonalDataGatheredEventV1 = EventEnvelope<string, PersonalDataGatheredV1>;

/** `<service>.privacy.erasure_confirmed`: what one service erased or anonymised, per table. */
export const ERASURE_CONFIRMED_SUFFIX = '.privacy.erasure_confirmed';
export interface ErasureConfirmedV1 {
  requestId: string;
  service: string;
  /** Table → rows erased or anonymised there. */
  erased: Record<string, number>;
}
export type ErasureConfirmedEventV1 = EventEnvelope<string, ErasureConfirmedV1>;

export function exportGatheredType(service: string): string {
  return `${service}${EXPORT_GATHERED_SUFFIX}`;
}

export function erasureConfirmedType(service: string): string {
  return `${service}${ERASURE_CONFIRMED_SUFFIX}`;
}
