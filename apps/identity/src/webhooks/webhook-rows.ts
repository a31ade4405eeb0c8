import type { WebhookFilter } from './webhook-filter';

/** A webhook endpoint as stored (secrets sealed, WebhookSecrets opens them; never returned through the API). */
export interface EndpointRow {
  id: string;
  tenantId: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  filter: WebhookFilter | null;
  orderedBySubject: boolean;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  ownerKind: 'user' | 'apiKey';
  ownerId: string;
  enabled: boolean;
  failingSince: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const ENDPOINT_COLUMNS = `id, tenant_id AS "tenantId", url, description, event_types AS "eventTypes", filter,
  ordered_by_subject AS "orderedBySubject", secret, previous_secret AS "previousSecret",
  previous_secret_expires_at AS "previousSecretExpiresAt", owner_kind AS "ownerKind", owner_id AS "ownerId", enabled,
  failing_since AS "failingSince", disabled_at AS "disabledAt", disabled_reason AS "disabledReason",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export type DeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

export interface DeliveryRow {
  id: string;
  tenantId: string;
  endpointId: string;
  seq: string;
  eventId: string;
  eventType: string;
  subjectId: string;
  status: DeliveryStatus;
  generation: number;
  attempts: number;
  lastAttemptAt: Date | null;
  succeededAt: Date | null;
  createdAt: Date;
}

export const DELIVERY_COLUMNS = `d.id, d.tenant_id AS "tenantId", d.endpoint_id AS "endpointId", d.seq, d.event_id AS "eventId",
  d.event_type AS "eventType", d.subject_id AS "subjectId", d.status, d.generation, d.attempts,
  d.last_attempt_at AS "lastAttemptAt", d.succeeded_at AS "succeededAt", d.created_at AS "createdAt"`;

export interface AttemptRow {
  deliveryId: string;
  attempt: number;
  attemptedAt: Date;
  statusCode: number | null;
  ok: boolean;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

export const ATTEMPT_COLUMNS = `delivery_id AS "deliveryId", attempt, attempted_at AS "attemptedAt", status_code AS "statusCode", ok,
  latency_ms AS "latencyMs", response_excerpt AS "responseExcerpt", error`;

/** BullMQ job ids may not contain ':'; the generation makes a redelivery a new job while a retry stays the same one. */
export function deliveryJobId(deliveryId: string, generation: number): string {
  return `${deliveryId}_${generation}`;
}

export interface DeliveryJob {
  tenantId: string;
  deliveryId: string;
  generation: number;
}
