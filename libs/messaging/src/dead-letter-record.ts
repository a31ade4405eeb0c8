import type { EventEnvelope, StreamDefinition } from '@rapport/contracts';
import { subjectFor, type MessagingNaming } from './naming';

/**
 * What a consumer parks when an event has used its retry budget: the
 * original envelope (or the raw text of a message that is not one), where it
 * came from and why it failed. One JSON message in the service's dead-letter
 * stream; its stream sequence is the parked event's id there.
 */
export interface ParkedRecord {
  service: string;
  /** The consumer's durable name as the service declares it (no test suffix). */
  consumer: string;
  /** Source stream, subject and sequence of the message that was given up on. */
  stream: string;
  subject: string;
  streamSeq: number;
  /** When the event entered its stream (its first delivery follows at once). */
  publishedAt: string;
  parkedAt: string;
  attempts: number;
  error: string;
  envelope: EventEnvelope | null;
  /** The message's text when it is not an event envelope (nothing to replay then). */
  raw: string | null;
}

/** A parked record as listed: `id` is `<service>:<sequence in its dead-letter stream>`. */
export interface ParkedEvent extends ParkedRecord {
  id: string;
}

/** Every service that consumes events has one: `DEADLETTER_SALES` on `deadletter.sales.parked.>`. */
export function deadLetterStream(service: string): StreamDefinition {
  return { name: `DEADLETTER_${service.toUpperCase()}`, subjects: [`deadletter.${service}.parked.>`] };
}

export function parkedSubject(naming: MessagingNaming, service: string, consumer: string): string {
  return subjectFor(naming, `deadletter.${service}.parked.${consumer}`);
}

/**
 * Replay requests go to the service (core NATS request/reply, a queue group
 * of its replicas): only the service has the handler. Outside the parked
 * subjects, so the stream never stores a request.
 */
export function replaySubject(naming: MessagingNaming, service: string): string {
  return subjectFor(naming, `deadletter.${service}.replay`);
}

export function parkedId(service: string, seq: number): string {
  return `${service}:${seq}`;
}

export function parseParkedId(id: string): { service: string; seq: number } {
  const match = /^([a-z0-9_-]+):([1-9][0-9]*)$/.exec(id);
  if (!match) throw new Error(`"${id}" is not a parked event id (<service>:<number>, as \`parked\` lists them)`);
  return { service: match[1], seq: Number(match[2]) };
}

/** The service whose dead-letter stream has these subjects, or null for any other stream. */
export function serviceOfDeadLetterStream(naming: MessagingNaming, subjects: readonly string[]): string | null {
  const pattern = subjectFor(naming, 'deadletter.*.parked.>');
  const [only] = subjects;
  if (subjects.length !== 1) return null;
  const head = pattern.split('*')[0];
  const tail = pattern.split('*')[1];
  if (!only.startsWith(head) || !only.endsWith(tail)) return null;
  const service = only.slice(head.length, only.length - tail.length);
  return /^[a-z0-9_-]+$/.test(service) ? service : null;
}

export function encodeRecord(record: ParkedRecord): Uint8Array {
  return Buffer.from(JSON.stringify(record));
}

export function decodeRecord(service: string, seq: number, data: Uint8Array): ParkedEvent {
  return { ...(JSON.parse(Buffer.from(data).toString('utf8')) as ParkedRecord), id: parkedId(service, seq) };
}
