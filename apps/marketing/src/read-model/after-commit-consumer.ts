import type { EventEnvelope } from '@rapport/contracts';
import { EventConsumer, type EventConsumerOptions, type MessagingNaming, type RelayLogger } from '@rapport/messaging';
import type { TenantDatabase } from '@rapport/persistence';
import type { NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';

export type AfterCommit = (work: () => Promise<void>) => void;

export interface AfterCommitConsumerOptions extends Omit<EventConsumerOptions, 'handler'> {
  /** Applies the event in the inbox transaction; work given to `afterCommit` runs once that transaction has committed. */
  handler: (event: EventEnvelope, em: EntityManager, afterCommit: AfterCommit) => Promise<void>;
  logger: RelayLogger;
}

/**
 * An EventConsumer whose handler can leave work for after the commit —
 * e.g. scheduling a journey step, which must not run before the enrolment
 * it reads is visible, nor at all if the transaction rolled back.
 */
export class AfterCommitConsumer extends EventConsumer {
  private readonly pending = new Map<string, (() => Promise<void>)[]>();
  private readonly log: RelayLogger;

  constructor(nc: NatsConnection, db: TenantDatabase, naming: MessagingNaming, options: AfterCommitConsumerOptions) {
    const pending = new Map<string, (() => Promise<void>)[]>();
    super(nc, db, naming, options.logger, {
      ...options,
      handler: (event, em) => {
        const list: (() => Promise<void>)[] = [];
        pending.set(event.id, list);
        return options.handler(event, em, (work) => list.push(work));
      },
    });
    this.pending = pending;
    this.log = options.logger;
  }

  override async handleOnce(event: EventEnvelope): Promise<boolean> {
    try {
      const ran = await super.handleOnce(event);
      if (ran) {
        for (const work of this.pending.get(event.id) ?? []) {
          await work().catch((err: unknown) => this.log.error({ err, eventId: event.id }, 'follow-up of an event failed'));
        }
      }
      return ran;
    } finally {
      this.pending.delete(event.id);
    }
  }
}
