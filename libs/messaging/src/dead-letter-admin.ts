import type { NatsConnection } from 'nats';
import {
  deadLetterStream,
  decodeRecord,
  parseParkedId,
  replaySubject,
  serviceOfDeadLetterStream,
  type ParkedEvent,
} from './dead-letter-record';
import type { ReplayReply } from './dead-letter';
import { streamFor, type MessagingNaming } from './naming';

/**
 * What operators do with parked events (`npm run events -- parked|replay|
 * discard`), as functions the CLI and the tests share. They need only NATS
 * and the naming the services use; replay asks the owning service to run the
 * event, because only it has the handler and the inbox.
 */

/** The services that have a dead-letter stream, in name order. */
export async function deadLetterServices(nc: NatsConnection, naming: MessagingNaming): Promise<string[]> {
  const jsm = await nc.jetstreamManager();
  const services: string[] = [];
  for await (const info of jsm.streams.list()) {
    const service = serviceOfDeadLetterStream(naming, info.config.subjects ?? []);
    if (service && info.config.name === streamFor(naming, deadLetterStream(service)).name) services.push(service);
  }
  return services.sort();
}

/** Every parked event of one service (or all), oldest first per service. */
export async function listParked(nc: NatsConnection, naming: MessagingNaming, filter: { service?: string } = {}): Promise<ParkedEvent[]> {
  const services = filter.service ? [filter.service] : await deadLetterServices(nc, naming);
  const out: ParkedEvent[] = [];
  for (const service of services) out.push(...(await readStream(nc, naming, service)));
  return out;
}

async function readStream(nc: NatsConnection, naming: MessagingNaming, service: string): Promise<ParkedEvent[]> {
  const stream = streamFor(naming, deadLetterStream(service)).name;
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(stream).catch((err: Error) => {
    if (/stream not found/i.test(err.message)) return null;
    throw err;
  });
  if (!info || info.state.messages === 0) return [];
  // An ordered consumer reads the stream in one pass and leaves nothing behind on the server.
  const reader = await nc.jetstream().consumers.get(stream);
  const batch = await reader.fetch({ max_messages: info.state.messages, expires: 5000 });
  const out: ParkedEvent[] = [];
  for await (const msg of batch) {
    out.push(decodeRecord(service, msg.seq, msg.data));
    if (msg.info.pending === 0) break;
  }
  return out;
}

export interface ReplayResult extends ReplayReply {
  id: string;
}

/**
 * Asks the service that parked the event to apply it through the consumer
 * that gave up on it. Exactly once: the consumer's inbox skips an event it
 * has applied ('already-applied'), and the record is deleted after the
 * commit ('gone' when asked again).
 */
export async function replayParked(nc: NatsConnection, naming: MessagingNaming, id: string, timeoutMs = 30_000): Promise<ReplayResult> {
  const { service, seq } = parseParkedId(id);
  try {
    const answer = await nc.request(replaySubject(naming, service), Buffer.from(JSON.stringify({ seq })), { timeout: timeoutMs });
    return { id, ...(JSON.parse(Buffer.from(answer.data).toString('utf8')) as ReplayReply) };
  } catch (err) {
    const message = (err as Error).message;
    if (/503|no responders/i.test(message)) return { id, outcome: 'failed', error: `no ${service} process is running to replay it` };
    if (/timeout/i.test(message))
      return { id, outcome: 'failed', error: `${service} did not answer within ${timeoutMs} ms (it may still apply it; list again)` };
    throw err;
  }
}

/** Replays every parked event of one service (or all), one after another. */
export async function replayAllParked(
  nc: NatsConnection,
  naming: MessagingNaming,
  filter: { service?: string } = {},
): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for (const parked of await listParked(nc, naming, filter)) results.push(await replayParked(nc, naming, parked.id));
  return results;
}

/** Deletes a parked event for good; returns what it was, or null when it was already gone. */
export async function discardParked(nc: NatsConnection, naming: MessagingNaming, id: string): Promise<ParkedEvent | null> {
  const { service, seq } = parseParkedId(id);
  const stream = streamFor(naming, deadLetterStream(service)).name;
  const jsm = await nc.jetstreamManager();
  try {
    const stored = await jsm.streams.getMessage(stream, { seq });
    await jsm.streams.deleteMessage(stream, seq);
    return decodeRecord(service, seq, stored.data);
  } catch (err) {
    if (/no message found|stream not found/i.test((err as Error).message)) return null;
    throw err;
  }
}
