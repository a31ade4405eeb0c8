import type { StreamDefinition } from '@rapport/contracts';
import { connect, nanos, type NatsConnection } from 'nats';
import { streamFor, type MessagingNaming } from './naming';

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  try {
    // noAsyncTraces: nats.js otherwise captures two stack traces for every request, i.e. every JetStream publish
    // (an Error for the caller's stack, a NatsError for a timeout that rarely comes); under the outbox relay's load
    // that was the largest CPU item in analytics' profile (ADR 065). Errors keep their code and message.
    return await connect({ servers: url, name, maxReconnectAttempts: -1, noAsyncTraces: true });
  } catch (err) {
    // nats.js says only CONNECTION_REFUSED; an operator needs to know which address was tried.
    throw new Error(`cannot connect to NATS at ${withoutCredentials(url)}: ${(err as Error).message}`, { cause: err });
  }
}

/** The URL as it may appear in logs: user and password replaced. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '***';
      parsed.password = '';
    }
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}

/** How long JetStream remembers a Nats-Msg-Id to drop re-sends of the same event. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

/** Retention used when a stream is created by a consumer before its producer applied its own (the producer's setting wins at its start). */
export const DEFAULT_MAX_AGE_MS = 400 * 24 * 60 * 60_000;

/** How long a stream keeps messages; 0 keeps them for ever. */
export interface StreamRetention {
  maxAgeMs: number;
}

/**
 * The stream limits for a retention: JetStream refuses a duplicate window
 * longer than max_age, so a short retention (tests, a day's buffer) shortens
 * it too.
 */
export function streamLimits(maxAgeMs: number): { max_age: number; duplicate_window: number } {
  const window = maxAgeMs > 0 ? Math.min(DUPLICATE_WINDOW_MS, maxAgeMs) : DUPLICATE_WINDOW_MS;
  return { max_age: nanos(maxAgeMs), duplicate_window: nanos(window) };
}

/**
 * Creates the stream, or brings an existing one's subjects up to date.
 * The producing service passes its retention (NATS_STREAM_MAX_AGE), which an
 * update applies to an existing stream: JetStream then drops only messages
 * older than the new window. Everyone else (consumers, which may start
 * first) passes none: an existing stream keeps the retention its producer
 * set, a new one starts with DEFAULT_MAX_AGE_MS until its producer starts.
 */
export async function ensureStream(
  nc: NatsConnection,
  naming: MessagingNaming,
  def: StreamDefinition,
  retention?: StreamRetention,
): Promise<string> {
  const jsm = await nc.jetstreamManager();
  const { name, subjects } = streamFor(naming, def);
  let current: number | null;
  try {
    current = (await jsm.streams.info(name)).config.max_age / 1e6;
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    current = null;
  }
  const limits = streamLimits(retention?.maxAgeMs ?? current ?? DEFAULT_MAX_AGE_MS);
  if (current === null) {
    try {
      await jsm.streams.add({ name, subjects, ...limits });
      return name;
    } catch (err) {
      // Another service created it in between: start again with its settings.
      if (!/already in use|already exists/i.test((err as Error).message)) throw err;
      return ensureStream(nc, naming, def, retention);
    }
  }
  await jsm.streams.update(name, { subjects, ...limits });
  return name;
}
