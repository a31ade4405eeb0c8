import type { SealedPersonalV1 } from './privacy/personal-fields';

/**
 * The envelope every Rapport event travels in (ARCHITECTURE.md, "Events").
 * `type` is a past-tense fact ("sales.contact.created") and doubles as the
 * NATS subject; `version` changes only when `data` changes incompatibly.
 */
export interface EventEnvelope<TType extends string = string, TData = unknown> {
  /** UUID v7: time-ordered, and the JetStream Nats-Msg-Id used for de-duplication. */
  id: string;
  type: TType;
  version: number;
  tenantId: string;
  /** ISO-8601 UTC. */
  occurredAt: string;
  actor: EventActor;
  /** The aggregate the fact is about (e.g. the contact id). */
  subjectId: string;
  data: TData;
  /** The personal fields of `data`, sealed with the person's data key (crypto-shredding, ADR 034); absent when it names no one. */
  personal?: SealedPersonalV1;
}

export interface EventActor {
  kind: 'user' | 'apiKey' | 'customer' | 'system';
  id: string | null;
}

export const SYSTEM_ACTOR: EventActor = { kind: 'system', id: null };
