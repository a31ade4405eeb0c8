import type { EventEnvelope } from '../envelope';

/** One field's value before and after a change; masked values are the string MASKED_VALUE. */
export interface AuditFieldChangeV1 {
  before: unknown;
  after: unknown;
}

/** Written in place of a value whose field group is sensitive (contact details, secrets). */
export const MASKED_VALUE = '***';

/**
 * One state change as its service saw it: what was done (`action`, e.g. the
 * mutation's name or `login.failed`), to which object, and where known which
 * fields changed. Who and when travel in the envelope (`actor`, `occurredAt`).
 */
export interface AuditRecordV1 {
  /** The service that made the change. */
  service: string;
  action: string;
  objectType: string | null;
  objectId: string | null;
  /** Field name → before/after; null when the service does not know the fields. */
  changes: Record<string, AuditFieldChangeV1> | null;
  /** The request that made the change (x-request-id); null for jobs and consumers. */
  requestId: string | null;
  /** Extra facts without a before/after (counts of an import, the reason of a refusal). */
  details?: Record<string, unknown> | null;
}

/**
 * Every service writes one of these through its outbox for each state change;
 * identity's audit log consumes them from every stream (ADR 025). The type is
 * `<service>.audit.recorded` so it travels on the producer's own stream.
 */
export type AuditRecordedV1 = EventEnvelope<string, AuditRecordV1>;

export const AUDIT_RECORDED_SUFFIX = '.audit.recorded';

export function auditRecordedType(service: string): string {
  return `${service}${AUDIT_RECORDED_SUFFIX}`;
}
