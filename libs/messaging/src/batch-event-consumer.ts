import type { EventEnvelope } from '@rapport/contracts';
import type { TenantDatabase } from '@rapport/persistence';
import type { JsMsg, NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';
import { EventConsumer, type EventConsumerOptions } from './event-consumer';
import { InboundMessages } from './inbound-messages';
import type { ConsumedOutcome } from './flow-counters';
import type { MessagingNaming } from './naming';
import type { RelayLogger } from './outbox-relay';
import { inBatchSpan } from './trace-context';

/**
 * Applies one tenant's new events (stream order, inbox rows already written)
 * inside that tenant's transaction; what it returns goes to `afterCommit`.
 */
export type BatchEventHandler<T> = (events: EventEnvelope[], em: EntityManager, tenantId: string) => Promise<T>;

export interface BatchEventConsumerOptions<T> extends Omit<EventConsumerOptions, 'handler'> {
  handleBatch: BatchEventHandler<T>;
  /**
   * Runs once a tenant batch's transaction has committed (never when it
   * rolled back), with the events it applied — redeliveries the inbox
   * skipped are not among them — and the handler's result. For follow-up
   * work that must see the effect (recomputes, waking the outbox relay).
   */
  afterCommit?: (tenantId: string, events: EventEnvelope[], result: T) => void;
  /** Most messages taken into one batch (default 500). */
  batchSize?: number;
  /** How long a batch may wait to fill once its first message is there (default 50 ms). */
  lingerMs?: number;
  /**
   * Whether each event's (consumer, id) is recorded in the inbox so that a
   * redelivery skips the handler (default true). `false` is only for a
   * handler whose every write is already a no-op for an event it applied
   * before — rows keyed by the event (a unique key with ON CONFLICT DO
   * NOTHING) — and whose result names only what it newly wrote: a
   * redelivered event then runs the handler again, finds its rows and
   * changes nothing, and afterCommit gets it again with that (empty)
   * result. It saves the inbox write of every event, which for a consumer
   * of a busy stream that rarely has anything to do (webhook fan-out) was
   * most of its database work. Counted as applied either way: without the
   * inbox a redelivery cannot be told apart.
   */
  inbox?: boolean;
}

const DEFAULT_BATCH = 500;
const DEFAULT_LINGER_MS = 50;

interface Delivered {
  msg: JsMsg;
  event: EventEnvelope;
}

/** A batch read and grouped, waiting for the one before to finish applying. */
interface Prepared {
  byTenant: Map<string, Delivered[]>;
  unreadable: { msg: JsMsg; parked: EventEnvelope | null; err: unknown }[];
}

/**
 * An EventConsumer that takes messages in batches: up to `batchSize` at a
 * time, grouped by tenant, one transaction per tenant group that writes the
 * inbox rows of every event in it (one statement) and runs the handler once
 * for the new ones. Messages are acknowledged only after that commit.
 *
 * A group whose transaction fails is retried event by event, each in its
 * own transaction (the same inbox rule), so one poison message is retried
 * on its own, and parked once its budget is spent, while the rest of the
 * group commits. A message that is not an envelope at all can never become
 * one: it is parked at once. Redelivery of anything already applied finds its inbox row
 * and has no second effect, as with EventConsumer.
 */
export class BatchEventConsumer<T = void> extends EventConsumer {
  private readonly batch: BatchEventConsumerOptions<T>;

  constructor(nc: NatsConnection, db: TenantDatabase, naming: MessagingNaming, logger: RelayLogger, options: BatchEventConsumerOptions<T>) {
    super(nc, db, naming, logger, {
      ...options,
      handler: async (event, em) => {
        await options.handleBatch([event], em, event.tenantId);
      },
    });
    this.batch = options;
  }

  private get batchSize(): number {
    return this.batch.batchSize ?? DEFAULT_BATCH;
  }

  override async start(): Promise<void> {
    // The server hands out at most max_ack_pending unacknowledged messages:
    // enough for the batch being applied and the next one filling.
    const consumer = await this.ensureDurable({ max_ack_pending: this.batchSize * 4 });
    const inbound = new InboundMessages();
    this.messages = await consumer.consume({ max_messages: this.batchSize * 2, callback: (msg) => inbound.push(msg) });
    void this.messages.closed().then((err) => {
      if (err) this.logger.error({ err, durable: this.durableName }, 'batch consumer stopped');
      inbound.close();
    });
    this.loop = this.batchLoop(inbound);
  }

  /** Applies the event unless this consumer already has (one event, its own transaction); returns whether it ran. */
  override async handleOnce(event: EventEnvelope): Promise<boolean> {
    return (await this.applyGroup(event.tenantId, [event])) > 0;
  }

  /**
   * Takes a batch, reads it (prepare) and applies it; the next batch is
   * taken and read while the one before is still applying, so the
   * transaction's time in the database and the Node work of reading the
   * next one overlap. Batches still apply one after the other, in stream
   * order, and each message is acknowledged after its own commit.
   */
  private async batchLoop(inbound: InboundMessages): Promise<void> {
    // The batch being applied: settles to its error (if any), so a failure waits here rather than going unhandled.
    let applying: Promise<unknown> = Promise.resolve(null);
    try {
      for (;;) {
        const batch = await inbound.next(this.batchSize, this.batch.lingerMs ?? DEFAULT_LINGER_MS);
        if (!batch) break;
        const prepared = this.prepare(batch);
        const failure = await applying;
        if (failure) throw failure;
        applying = this.apply(prepared).then(
          () => null,
          (err: unknown) => err ?? new Error('batch failed'),
        );
      }
      const failure = await applying;
      if (failure) throw failure;
    } catch (err) {
      this.logger.error({ err, durable: this.durableName }, 'batch consumer stopped');
    }
  }

  /**
   * Reads a batch without waiting: messages for other consumers of the
   * stream (by subject, see skips) and events of types this consumer does
   * not take are acknowledged, all in one write; the rest is grouped by
   * tenant. What cannot be read is returned for parking.
   */
  private prepare(batch: JsMsg[]): Prepared {
    const byTenant = new Map<string, Delivered[]>();
    const unreadable: Prepared['unreadable'] = [];
    for (const msg of batch) {
      if (this.skips(msg)) {
        msg.ack();
        continue;
      }
      const read = this.readEnvelope(msg);
      if (!('event' in read)) {
        unreadable.push({ msg, ...read });
        continue;
      }
      const event = read.event;
      if (!this.wants(event.type)) {
        msg.ack();
        continue;
      }
      const group = byTenant.get(event.tenantId) ?? [];
      group.push({ msg, event });
      byTenant.set(event.tenantId, group);
    }
    return { byTenant, unreadable };
  }

  private async apply({ byTenant, unreadable }: Prepared): Promise<void> {
    for (const { msg, parked, err } of unreadable) await this.giveUp(msg, parked, err);
    for (const [tenantId, group] of byTenant) {
      try {
        await inBatchSpan(group, this.durableName, () =>
          this.applyGroup(
            tenantId,
            group.map((d) => d.event),
          ),
        );
        for (const d of group) d.msg.ack();
      } catch (err) {
        if (group.length === 1) {
          await this.failed(group[0].msg, group[0].event, err);
          continue;
        }
        this.logger.error({ err, tenantId, events: group.length }, 'event batch failed; applying its events one by one');
        for (const d of group) await this.applyAlone(d);
      }
    }
  }

  private async applyAlone({ msg, event }: Delivered): Promise<void> {
    try {
      await this.applyGroup(event.tenantId, [event]);
      msg.ack();
    } catch (err) {
      await this.failed(msg, event, err);
    }
  }

  /**
   * One transaction: inbox rows for every event (a repeated id counts once),
   * then the handler for the events not seen before (without the inbox: for
   * every event, see `inbox`). Returns how many ran.
   */
  private async applyGroup(tenantId: string, events: EventEnvelope[]): Promise<number> {
    const unique = await Promise.all([...new Map(events.map((e) => [e.id, e])).values()].map((e) => this.open(e)));
    const outcome = await this.db.withTenant(tenantId, async (em) => {
      const applied = this.batch.inbox === false ? unique : await this.firstSeen(em, tenantId, unique);
      if (applied.length === 0) return null;
      return { applied, result: await this.batch.handleBatch(applied, em, tenantId) };
    });
    const applied = new Set(outcome?.applied.map((e) => e.id));
    // Counted per type and outcome, once each: a labelled increment per event was a per cent of a busy consumer's CPU.
    const counts = new Map<string, number>();
    for (const e of events) {
      const key = `${applied.delete(e.id) ? 'applied' : 'duplicate'} ${e.type}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of counts) {
      const space = key.indexOf(' ');
      this.count(key.slice(space + 1), key.slice(0, space) as ConsumedOutcome, n);
    }
    if (outcome && this.batch.afterCommit) {
      // Committed: a failing follow-up must not look like a failed event (that would nak an applied message).
      try {
        this.batch.afterCommit(tenantId, outcome.applied, outcome.result);
      } catch (err) {
        this.logger.error({ err, tenantId }, 'follow-up after an event batch failed');
      }
    }
    return outcome?.applied.length ?? 0;
  }

  /** Records the events in the inbox (one statement) and returns those it had not seen. */
  private async firstSeen(em: EntityManager, tenantId: string, events: EventEnvelope[]): Promise<EventEnvelope[]> {
    const inserted: { event_id: string }[] = await em.query(
      `INSERT INTO inbox (consumer, event_id, tenant_id)
       SELECT $1, e.id, $3 FROM unnest($2::uuid[]) AS e(id)
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [this.options.durable, events.map((e) => e.id), tenantId],
    );
    const fresh = new Set(inserted.map((r) => r.event_id));
    return events.filter((e) => fresh.has(e.id));
  }
}
