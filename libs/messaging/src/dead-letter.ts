import type { EventEnvelope } from '@rapport/contracts';
import { headers, type JetStreamClient, type JsMsg, type Msg, type NatsConnection, type Subscription } from 'nats';
import type { Registry } from 'prom-client';
import { deadLetterMetrics, type DeadLetterMetrics } from './dead-letter-metrics';
import {
  deadLetterStream,
  decodeRecord,
  encodeRecord,
  parkedId,
  parkedSubject,
  replaySubject,
  type ParkedRecord,
} from './dead-letter-record';
import { ensureStream } from './jetstream';
import { streamFor, type MessagingNaming } from './naming';
import type { RelayLogger } from './outbox-relay';

/** What the dead letter needs of a consumer to replay a parked event through it. */
export interface ReplayTarget {
  /** Durable name as declared (no test suffix). */
  readonly consumerName: string;
  /** Applies the event unless the consumer's inbox has it; true when it ran. */
  handleOnce(event: EventEnvelope): Promise<boolean>;
}

export interface ParkRequest {
  msg: JsMsg;
  consumer: string;
  /** Null when the message is not an event envelope (it is parked as text). */
  event: EventEnvelope | null;
  error: unknown;
}

export interface DeadLetterLogger extends RelayLogger {
  info(obj: object, msg: string): void;
}

export type ReplayOutcome = 'applied' | 'already-applied' | 'gone' | 'failed' | 'refused';
export interface ReplayReply {
  outcome: ReplayOutcome;
  error?: string;
}

/**
 * One service's dead-letter stream. Its consumers park here what they have
 * given up retrying, and it answers replay requests (from `npm run events --
 * replay`) by running the parked event through the consumer that parked it:
 * its inbox makes a replay apply the event at most once, however often it
 * is asked; the parked record is deleted only after that transaction, so
 * nothing is lost between the two.
 */
export class DeadLetter {
  private readonly js: JetStreamClient;
  private readonly stream: string;
  private readonly metrics: DeadLetterMetrics | null;
  private readonly targets = new Map<string, ReplayTarget>();
  private sub: Subscription | null = null;
  private serving: Promise<void> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: MessagingNaming,
    readonly service: string,
    private readonly logger: DeadLetterLogger,
    registry?: Registry,
  ) {
    this.js = nc.jetstream();
    this.stream = streamFor(naming, deadLetterStream(service)).name;
    this.metrics = registry ? deadLetterMetrics(registry, () => this.countParked()) : null;
  }

  /** Creates the stream and starts answering replay requests for these consumers. */
  async start(targets: readonly ReplayTarget[]): Promise<void> {
    // Kept for ever: a parked event waits for an operator, and NATS_STREAM_MAX_AGE must not drop it unseen.
    await ensureStream(this.nc, this.naming, deadLetterStream(this.service), { maxAgeMs: 0 });
    for (const t of targets) this.targets.set(t.consumerName, t);
    const sub = this.nc.subscribe(replaySubject(this.naming, this.service), { queue: `rapport-deadletter-${this.service}` });
    this.sub = sub;
    this.serving = (async () => {
      // One at a time: a `replay --all` after an outage must not flood the database.
      for await (const request of sub) await this.answer(request);
    })();
  }

  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    await this.serving;
  }

  /**
   * Stores the record and returns its id. Nats-Msg-Id is the source message
   * (stream and sequence), so a crash between this publish and the
   * original's ack, which redelivers and parks it again, stores it once.
   */
  async park({ msg, consumer, event, error }: ParkRequest): Promise<string> {
    const record: ParkedRecord = {
      service: this.service,
      consumer,
      stream: msg.info.stream,
      subject: msg.subject,
      streamSeq: msg.info.streamSequence,
      publishedAt: new Date(Math.floor(msg.info.timestampNanos / 1e6)).toISOString(),
      parkedAt: new Date().toISOString(),
      attempts: msg.info.redeliveryCount,
      error: describe(error),
      envelope: event,
      raw: event ? null : Buffer.from(msg.data).toString('utf8'),
    };
    const h = headers();
    if (event) h.set('Rapport-Event-Type', event.type);
    const ack = await this.js.publish(parkedSubject(this.naming, this.service, consumer), encodeRecord(record), {
      msgID: `park:${record.stream}:${record.streamSeq}:${consumer}`,
      headers: h,
    });
    if (!ack.duplicate) this.metrics?.parked.inc({ consumer, type: event?.type ?? 'not-an-envelope' });
    return parkedId(this.service, ack.seq);
  }

  private async answer(request: Msg): Promise<void> {
    let reply: ReplayReply;
    let consumer = 'unknown';
    let seq = 0;
    try {
      seq = Number((JSON.parse(Buffer.from(request.data).toString('utf8')) as { seq?: unknown }).seq);
      const found = Number.isSafeInteger(seq) && seq > 0 ? await this.read(seq) : null;
      consumer = found?.consumer ?? consumer;
      reply = found ? await this.replay(seq, found) : { outcome: 'gone' };
    } catch (err) {
      reply = { outcome: 'failed', error: describe(err) };
    }
    this.metrics?.replayed.inc({ consumer, outcome: reply.outcome });
    const level = reply.outcome === 'failed' || reply.outcome === 'refused' ? 'error' : 'info';
    this.logger[level]({ parked: parkedId(this.service, seq), consumer, ...reply }, `parked event replay: ${reply.outcome}`);
    request.respond(Buffer.from(JSON.stringify(reply)));
  }

  private async replay(seq: number, record: ParkedRecord): Promise<ReplayReply> {
    const target = this.targets.get(record.consumer);
    if (!target) return { outcome: 'refused', error: `no consumer ${record.consumer} runs in ${this.service}` };
    if (!record.envelope) return { outcome: 'refused', error: 'not an event envelope: nothing to replay (discard it)' };
    let applied: boolean;
    try {
      applied = await target.handleOnce(record.envelope);
    } catch (err) {
      return { outcome: 'failed', error: describe(err) };
    }
    // After the commit: a crash here leaves the record, and replaying it again finds the inbox row.
    await (await this.nc.jetstreamManager()).streams.deleteMessage(this.stream, seq).catch(ignoreGone);
    return { outcome: applied ? 'applied' : 'already-applied' };
  }

  private async read(seq: number): Promise<ParkedRecord | null> {
    const jsm = await this.nc.jetstreamManager();
    try {
      const stored = await jsm.streams.getMessage(this.stream, { seq });
      return decodeRecord(this.service, seq, stored.data);
    } catch (err) {
      if (/no message found/i.test((err as Error).message)) return null;
      throw err;
    }
  }

  private async countParked(): Promise<Map<string, number>> {
    const jsm = await this.nc.jetstreamManager();
    const info = await jsm.streams.info(this.stream, { subjects_filter: '>' });
    const counts = new Map<string, number>();
    for (const [subject, n] of Object.entries(info.state.subjects ?? {})) counts.set(subject.split('.').pop() as string, n);
    return counts;
  }
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function ignoreGone(err: Error): void {
  if (!/no message found/i.test(err.message)) throw err;
}
