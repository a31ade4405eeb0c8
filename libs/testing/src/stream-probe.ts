import type { EventEnvelope } from '@rapport/contracts';
import { openPersonal, PersonalKeys, subjectMatches } from '@rapport/messaging';
import { connect, type NatsConnection } from 'nats';

/**
 * Reads what actually landed on a JetStream stream (not what a producer
 * thinks it sent), e.g. to assert an event is there exactly once. `events`
 * opens sealed personal fields as every consumer does (ADR 034);
 * `storedEvents` shows the messages exactly as stored.
 */
export class StreamProbe {
  private readonly keys: PersonalKeys;

  private constructor(private readonly nc: NatsConnection) {
    this.keys = new PersonalKeys(nc, {
      subjectPrefix: process.env.NATS_SUBJECT_PREFIX ?? '',
      streamSuffix: process.env.NATS_STREAM_SUFFIX ?? '',
    });
  }

  static async connect(url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'): Promise<StreamProbe> {
    return new StreamProbe(await connect({ servers: url }));
  }

  /**
   * All messages currently on the stream whose subject matches, decoded. The
   * server filters (an ordered consumer on the subject): reading every message
   * of a stream by sequence made each poll cost the whole stream, and streams
   * grow through a test run.
   */
  async events(stream: string, subject: string): Promise<EventEnvelope[]> {
    return Promise.all((await this.storedEvents(stream, subject)).map((e) => openPersonal(e, this.keys)));
  }

  /** The messages as stored: personal fields still sealed. */
  async storedEvents(stream: string, subject: string): Promise<EventEnvelope[]> {
    const jsm = await this.nc.jetstreamManager();
    const { state } = await jsm.streams.info(stream, { subjects_filter: subject });
    const pending = Object.values(state.subjects ?? {}).reduce((n, count) => n + count, 0);
    const out: EventEnvelope[] = [];
    if (pending === 0) return out;
    const consumer = await this.nc.jetstream().consumers.get(stream, { filterSubjects: subject });
    const messages = await consumer.fetch({ max_messages: pending, expires: 10_000 });
    for await (const msg of messages) {
      if (subjectMatches(subject, msg.subject)) out.push(JSON.parse(Buffer.from(msg.data).toString('utf8')) as EventEnvelope);
      if (out.length >= pending || msg.info.pending === 0) break;
    }
    return out;
  }

  /** Polls until `predicate` holds for the stream's events, or fails after the timeout. */
  async waitFor(
    stream: string,
    subject: string,
    predicate: (events: EventEnvelope[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<EventEnvelope[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = await this.events(stream, subject).catch(() => []);
      if (predicate(events)) return events;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${subject} on ${stream}; saw ${events.length} events`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
