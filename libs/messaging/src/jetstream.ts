import type { StreamDefinition } from '@rapport/contracts';
import { connect, nanos, type NatsConnection } from 'nats';
import { streamFor, type MessagingNaming } from './naming';

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  try {
    return await connect({ servers: url, name, maxReconnectAttempts: -1 });
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

/** Creates the stream, or brings an existing one's subjects up to date. */
export async function ensureStream(nc: NatsConnection, naming: MessagingNaming, def: StreamDefinition): Promise<string> {
  const jsm = await nc.jetstreamManager();
  const { name, subjects } = streamFor(naming, def);
  const config = { name, subjects, duplicate_window: nanos(DUPLICATE_WINDOW_MS) };
  try {
    await jsm.streams.info(name);
    await jsm.streams.update(name, config);
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    await jsm.streams.add(config);
  }
  return name;
}
