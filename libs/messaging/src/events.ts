import type { EventActor, EventEnvelope } from '@rapport/contracts';
import { v7 as uuidv7 } from 'uuid';

/** Builds an envelope with a fresh time-ordered id and the current time. */
export function newEvent<TType extends string, TData>(fields: {
  type: TType;
  version?: number;
  tenantId: string;
  actor: EventActor;
  subjectId: string;
  data: TData;
  occurredAt?: Date;
}): EventEnvelope<TType, TData> {
  return {
    id: uuidv7(),
    type: fields.type,
    version: fields.version ?? 1,
    tenantId: fields.tenantId,
    occurredAt: (fields.occurredAt ?? new Date()).toISOString(),
    actor: fields.actor,
    subjectId: fields.subjectId,
    data: fields.data,
  };
}

export function parseEnvelope(bytes: Uint8Array): EventEnvelope {
  // Decoded in place: Buffer.from(bytes) alone copied every message first.
  const value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as Partial<EventEnvelope>;
  for (const key of ['id', 'type', 'tenantId', 'occurredAt', 'subjectId'] as const) {
    if (typeof value[key] !== 'string') throw new Error(`event envelope lacks ${key}`);
  }
  if (typeof value.version !== 'number') throw new Error('event envelope lacks version');
  return value as EventEnvelope;
}
