import type { EventEnvelope } from '@rapport/contracts';
import type { TenantDatabase } from '@rapport/persistence';
import { AckPolicy, DeliverPolicy, type Consumer, type ConsumerConfig, type ConsumerMessages, type NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';
import { parseEnvelope } from './events';
import { durableFor, subjectFor, subjectMatches, type MessagingNaming } from './naming';
import type { RelayLogger } from './outbox-relay';

export type EventHandler = (event: EventEnvelope, em: EntityManager) => Promise<void>;

export interface EventConsumerOptions {
  /** Producer's stream name (already suffixed, as returned by ensureStream). */
  stream: string;
  /** Durable consumer name, unique per consuming service and purpose. */
  durable: string;
  /** Event types (unprefixed subjects, wildcards allowed) this consumer wants. */
  eventTypes: string[];
  handler: EventHandler;
  /** Give up redelivering a poisoned message after this many attempts. */
  maxDeliver?: number;
}

/**
 * A durable JetStream pull consumer with inbox de-duplication: the handler
 * runs in a tenant transaction that first records (consumer, event id) in the
 * inbox; a redelivered event finds its row and is skipped. The message is
 * acknowledged only after that transaction commits, so a crash in between
 * leads to redelivery and, thanks to the inbox, no second effect.
 */
export class EventConsumer {
  protected messages: ConsumerMessages | null = null;
  protected loop: Promise<void> | null = null;

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

  async start(): Promise<void> {
    const consumer = await this.ensureDurable();
    this.messages = await consumer.consume({ max_messages: 64 });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const msg of messages) {
        try {
          const event = parseEnvelope(msg.data);
          if (this.wants(event.type)) await this.handleOnce(event);
          msg.ack();
        } catch (err) {
          const attempt = msg.info.redeliveryCount;
          this.logger.error({ err, subject: msg.subject, attempt }, 'event handling failed; will be redelivered');
          msg.nak(Math.min(30_000, 250 * 2 ** attempt));
        }
      }
    })();
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
      // One type filters on the server; several need `filter_subjects`, which
      // NATS < 2.10 lacks (Debian ships 2.9), so those are filtered here instead.
      ...(this.options.eventTypes.length === 1 ? { filter_subject: subjectFor(this.naming, this.options.eventTypes[0]) } : {}),
      max_deliver: this.options.maxDeliver ?? 20,
      ack_wait: 30_000_000_000,
      ...extra,
    };
    try {
      await jsm.consumers.add(this.options.stream, { durable_name: this.durableName, ...config });
    } catch (err) {
      if (!/already (exists|in use)/i.test((err as Error).message)) throw err;
      const { ack_policy: _ack, deliver_policy: _deliver, ...mutable } = config;
      await jsm.consumers.update(this.options.stream, this.durableName, mutable);
    }
    return this.nc.jetstream().consumers.get(this.options.stream, this.durableName);
  }

  protected wants(type: string): boolean {
    return this.options.eventTypes.some((pattern) => subjectMatches(pattern, type));
  }

  /** Applies the event unless this consumer already has; returns whether it ran. */
  async handleOnce(event: EventEnvelope): Promise<boolean> {
    return this.db.withTenant(event.tenantId, async (em) => {
      const inserted: unknown[] = await em.query(
        `INSERT INTO inbox (consumer, event_id, tenant_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.options.durable, event.id, event.tenantId],
      );
      if (inserted.length === 0) return false;
      await this.options.handler(event, em);
      return true;
    });
  }

  async stop(): Promise<void> {
    this.messages?.stop();
    await this.loop;
  }
}
