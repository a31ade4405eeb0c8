import type { EventEnvelope } from '@rapport/contracts';
import type { TenantDatabase } from '@rapport/persistence';
import { AckPolicy, DeliverPolicy, type Consumer, type ConsumerConfig, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';
import { describe, type DeadLetter, type ReplayTarget } from './dead-letter';
import { deliveryCountOf } from './delivery-count';
import { parseEnvelope } from './events';
import type { ConsumedOutcome, EventFlowCounters } from './flow-counters';
import { durableInfo, replaceFilter, sameFilter, serverFilter } from './durable-filter';
import { durableFor, eventTypeOf, subjectMatches, type MessagingNaming } from './naming';
import type { RelayLogger } from './outbox-relay';
import { attemptsAllowed, DEFAULT_RETRY, retryDelay, type RetryPolicy } from './retry-policy';
import { inConsumerSpan } from './trace-context';

export type EventHandler = (event: EventEnvelope, em: EntityManager) => Promise<void>;

export interface EventConsumerOptions {
  /** Producer's stream name (already suffixed, as returned by ensureStream). */
  stream: string;
  /** Durable consumer name, unique per consuming service and purpose. */
  durable: string;
  /** Event types (unprefixed subjects, wildcards allowed) this consumer wants. */
  eventTypes: string[];
  handler: EventHandler;
  /** How long a failing event is retried before it is parked (default: about an hour, DEFAULT_RETRY). */
  retry?: RetryPolicy;
}

/**
 * Deliveries past the budget during which the handler never concluded (the
 * process died in it, or parking failed) before the message is parked
 * without running the handler again: a message that kills the process must
 * not keep killing it.
 */
const UNCONCLUDED_DELIVERIES = 2;

/** Unless the service sets EVENT_ACK_WAIT_MS: well above a slow batch's handling, and what a dead replica's events wait. */
const DEFAULT_ACK_WAIT_MS = 30_000;

/**
 * A durable JetStream pull consumer with inbox de-duplication: the handler
 * runs in a tenant transaction that first records (consumer, event id) in the
 * inbox; a redelivered event finds its row and is skipped. The message is
 * acknowledged only after that transaction commits, so a crash in between
 * leads to redelivery and, thanks to the inbox, no second effect.
 *
 * A failing event is redelivered with growing delays for the retry budget,
 * then parked in the service's dead letter and only then terminated
 * (docs/adr/018-dead-letter.md). The server never gives up on its own
 * (max_deliver is unlimited): without a dead letter, or while parking
 * fails, the event keeps being retried rather than dropped.
 */
export class EventConsumer implements ReplayTarget {
  protected messages: ConsumerMessages | null = null;
  protected loop: Promise<void> | null = null;
  protected deadLetter: DeadLetter | null = null;
  private opener: ((event: EventEnvelope) => Promise<EventEnvelope>) | null = null;
  private defaultRetry: RetryPolicy | null = null;
  private ackWaitMs = DEFAULT_ACK_WAIT_MS;
  private counters: EventFlowCounters | null = null;

  constructor(
    protected readonly nc: NatsConnection,
    protected readonly db: TenantDatabase,
    protected readonly naming: MessagingNaming,
    protected readonly logger: RelayLogger,
    protected readonly options: EventConsumerOptions,
  ) {}

  get durableName(): string {
    return durableFor(this.naming, this.options.durable);
  }

  /** The durable name as declared, which parked records carry. */
  get consumerName(): string {
    return this.options.durable;
  }

  /** How far behind the durable consumer is, as JetStream counts it (for the service's metrics). */
  async backlog(): Promise<{ consumer: string; stream: string; pending: number; ackPending: number }> {
    const jsm = await this.nc.jetstreamManager();
    const info = await jsm.consumers.info(this.options.stream, this.durableName);
    return { consumer: this.options.durable, stream: this.options.stream, pending: info.num_pending, ackPending: info.num_ack_pending };
  }

  /** Where events go once their retry budget is spent (the service kit sets its own). */
  parkFailuresIn(deadLetter: DeadLetter): this {
    this.deadLetter = deadLetter;
    return this;
  }

  /**
   * How handlers get sealed personal fields back (the service kit sets openPersonal, ADR 034). Events stay sealed
   * until the handler runs, so what is parked in the dead letter is parked sealed.
   */
  openWith(opener: (event: EventEnvelope) => Promise<EventEnvelope>): this {
    this.opener = opener;
    return this;
  }

  protected open(event: EventEnvelope): Promise<EventEnvelope> {
    return this.opener ? this.opener(event) : Promise.resolve(event);
  }

  /** Where concluded deliveries are counted (the service kit sets its metrics registry's counters). */
  countIn(counters: EventFlowCounters): this {
    this.counters = counters;
    return this;
  }

  protected count(type: string, outcome: ConsumedOutcome, n = 1): void {
    if (n > 0) this.counters?.consumed.inc({ consumer: this.options.durable, type, outcome }, n);
  }

  /** The retry budget unless the consumer declares its own (the service kit sets EVENT_RETRY_DELAYS_MS here). */
  retryByDefault(policy: RetryPolicy | null): this {
    this.defaultRetry = policy;
    return this;
  }

  /** How long JetStream waits for this consumer's ack before delivering again (the service kit sets EVENT_ACK_WAIT_MS here). */
  ackWait(ms: number): this {
    this.ackWaitMs = ms;
    return this;
  }

  async start(): Promise<void> {
    const consumer = await this.ensureDurable();
    this.messages = await consumer.consume({ max_messages: 64 });
    const messages = this.messages;
    this.loop = (async () => {
      try {
        for await (const msg of messages) {
          if (this.skips(msg)) {
            this.ackSoon(msg);
            continue;
          }
          const event = await this.envelopeOf(msg);
          if (!event) continue;
          try {
            if (this.wants(event.type)) await inConsumerSpan(msg, event, this.durableName, () => this.handleOnce(event));
            msg.ack();
          } catch (err) {
            await this.failed(msg, event, err);
          }
        }
      } finally {
        this.flushSkipped();
      }
    })();
  }

  /**
   * Whether the message is for another consumer of the stream, by its
   * subject (which names the event type, as the server's own filter reads
   * it): such a message is acknowledged without being parsed. Several event
   * types cannot be filtered on the server (NATS 2.9), so a consumer of two
   * types on a busy stream is handed every message of it.
   */
  protected skips(msg: JsMsg): boolean {
    return !remembered(this.wantedSubjects, msg.subject, () => this.wants(eventTypeOf(this.naming, msg.subject)));
  }

  /**
   * Whether this consumer takes a subject, and a type, worked out once each:
   * a consumer of several types on a busy stream is handed what the cover
   * of its types lets through (serverFilter), and matching the patterns
   * token by token was a tenth of such a consumer's CPU. A stream has few
   * distinct subjects; the maps start over past MEMO_LIMIT all the same.
   */
  private readonly wantedSubjects = new Map<string, boolean>();
  private readonly wantedTypes = new Map<string, boolean>();

  private skipped: JsMsg[] = [];

  /**
   * Acknowledges a skipped message together with the others skipped in the
   * same turn of the event loop: each acknowledgement sent on its own was a
   * socket write of its own (the client flushes once per microtask turn),
   * which, for every message of a busy stream, cost more than the consumer's
   * real work. Nothing depends on these acknowledgements; one lost with the
   * process only brings the message back to be skipped again.
   */
  protected ackSoon(msg: JsMsg): void {
    this.skipped.push(msg);
    if (this.skipped.length === 1) setImmediate(() => this.flushSkipped());
  }

  private flushSkipped(): void {
    const skipped = this.skipped;
    this.skipped = [];
    for (const msg of skipped) msg.ack();
  }

  /**
   * The message's envelope, or null once the message has been dealt with:
   * one that is not an envelope cannot become one by retrying, and one whose
   * handler never concluded over several deliveries past the budget is
   * parked without running it again.
   */
  protected async envelopeOf(msg: JsMsg): Promise<EventEnvelope | null> {
    const read = this.readEnvelope(msg);
    if ('event' in read) return read.event;
    await this.giveUp(msg, read.parked, read.err);
    return null;
  }

  /**
   * envelopeOf without waiting: the envelope, or what to park and why (the
   * caller parks it with `giveUp`). A batch reads thousands of messages, and
   * a wait per message was a turn of the event loop per message.
   */
  protected readEnvelope(msg: JsMsg): { event: EventEnvelope } | { parked: EventEnvelope | null; err: unknown } {
    let event: EventEnvelope;
    try {
      event = parseEnvelope(msg.data);
    } catch (err) {
      return { parked: null, err };
    }
    if (deliveryCountOf(msg) > attemptsAllowed(this.retry) + UNCONCLUDED_DELIVERIES && this.deadLetter) {
      const err = new Error(`delivered ${msg.info.redeliveryCount} times without the handler concluding (did it crash the process?)`);
      return { parked: event, err };
    }
    return { event };
  }

  /** A delivery failed: retried after the policy's delay, or parked when that was the last one. */
  protected async failed(msg: JsMsg, event: EventEnvelope, err: unknown): Promise<void> {
    this.count(event.type, 'failed');
    const attempt = msg.info.redeliveryCount;
    const delay = retryDelay(this.retry, attempt);
    if (delay === null) return this.giveUp(msg, event, err);
    const context = { err, eventId: event.id, type: event.type, durable: this.durableName, attempt, of: attemptsAllowed(this.retry) };
    this.logger.error({ ...context, retryInMs: delay }, 'event handling failed; retrying');
    msg.nak(delay);
  }

  /** Parks the message, then terminates it; if it cannot be parked it stays pending and is retried. */
  protected async giveUp(msg: JsMsg, event: EventEnvelope | null, err: unknown): Promise<void> {
    const context = { err, eventId: event?.id, type: event?.type, subject: msg.subject, durable: this.durableName };
    const attempts = msg.info.redeliveryCount;
    const lastDelay = this.retry.delaysMs.at(-1) ?? 60_000;
    if (!this.deadLetter) {
      this.logger.error({ ...context, attempts }, 'giving up on the message, but there is no dead letter to park it in; retrying');
      msg.nak(lastDelay);
      return;
    }
    try {
      const parked = await this.deadLetter.park({ msg, consumer: this.options.durable, event, error: err });
      msg.term();
      this.logger.error(
        { ...context, attempts, parked, reason: describe(err) },
        'event parked in the dead letter; not retried until replayed',
      );
    } catch (parkErr) {
      this.logger.error({ ...context, parkErr }, 'parking the event failed; it stays pending and is retried');
      msg.nak(lastDelay);
    }
  }

  protected get retry(): RetryPolicy {
    return this.options.retry ?? this.defaultRetry ?? DEFAULT_RETRY;
  }

  /**
   * Creates the durable consumer, or brings the settings a subclass may
   * change (`extra`, e.g. max_ack_pending) up to date on an existing one.
   */
  protected async ensureDurable(extra: Partial<Pick<ConsumerConfig, 'max_ack_pending'>> = {}): Promise<Consumer> {
    const jsm = await this.nc.jetstreamManager();
    const config = {
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      // One pattern covering every type taken (see serverFilter).
      ...serverFilter(this.naming, this.options.eventTypes),
      // Unlimited: the consumer parks what it gives up on; the server dropping it would lose it.
      max_deliver: -1,
      ack_wait: this.ackWaitMs * 1_000_000,
      ...extra,
    };
    // Looked up first: NATS 2.9 takes an add of an existing durable as an update, and a filter updated in place skips messages.
    const current = await durableInfo(jsm, this.options.stream, this.durableName);
    if (current && !sameFilter(current, config)) {
      await replaceFilter(jsm, this.db, this.options.stream, { durable_name: this.durableName, ...config });
    } else if (current) {
      const { ack_policy: _ack, deliver_policy: _deliver, ...mutable } = config;
      await jsm.consumers.update(this.options.stream, this.durableName, mutable);
    } else {
      // A replica starting at the same time may create it first, with the same settings: adding it again changes nothing.
      await jsm.consumers.add(this.options.stream, { durable_name: this.durableName, ...config });
    }
    return this.nc.jetstream().consumers.get(this.options.stream, this.durableName);
  }

  protected wants(type: string): boolean {
    return remembered(this.wantedTypes, type, () => this.options.eventTypes.some((pattern) => subjectMatches(pattern, type)));
  }

  /** Applies the event unless this consumer already has; returns whether it ran. */
  async handleOnce(sealed: EventEnvelope): Promise<boolean> {
    const event = await this.open(sealed);
    const ran = await this.db.withTenant(event.tenantId, async (em) => {
      const inserted: unknown[] = await em.query(
        `INSERT INTO inbox (consumer, event_id, tenant_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.options.durable, event.id, event.tenantId],
      );
      if (inserted.length === 0) return false;
      await this.options.handler(event, em);
      return true;
    });
    this.count(event.type, ran ? 'applied' : 'duplicate');
    return ran;
  }

  async stop(): Promise<void> {
    this.messages?.stop();
    await this.loop;
  }
}

const MEMO_LIMIT = 1024;

/** `memo`'s answer for `key`, worked out by `work` the first time (the map starts over once it holds MEMO_LIMIT keys). */
function remembered(memo: Map<string, boolean>, key: string, work: () => boolean): boolean {
  let answer = memo.get(key);
  if (answer === undefined) {
    answer = work();
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, answer);
  }
  return answer;
}
