import type { EventEnvelope } from '@rapport/contracts';
import { EventConsumer, type EventConsumerOptions, type MessagingNaming, type RelayLogger } from '@rapport/messaging';
import type { TenantDatabase } from '@rapport/persistence';
import type { NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';

export interface FollowUpConsumerOptions extends Omit<EventConsumerOptions, 'handler'> {
  /** Applies the event inside the inbox transaction; returns true when follow-up work is due. */
  handler: (event: EventEnvelope, em: EntityManager) => Promise<boolean>;
  /** Runs once the handler's transaction has committed, for events whose handler returned true. */
  afterCommit: (event: EventEnvelope) => void;
}

/**
 * An EventConsumer that can start work which must see the event's effect,
 * e.g. an RFM recompute after orders were ingested. Scheduling that inside
 * the transaction could let the job read the data before the commit; here it
 * happens strictly after, and not at all if the transaction rolled back.
 */
export class FollowUpConsumer extends EventConsumer {
  private readonly due: Set<string>;
  private readonly afterCommit: (event: EventEnvelope) => void;

  constructor(nc: NatsConnection, db: TenantDatabase, naming: MessagingNaming, logger: RelayLogger, options: FollowUpConsumerOptions) {
    const due = new Set<string>();
    super(nc, db, naming, logger, {
      ...options,
      handler: async (event, em) => {
        if (await options.handler(event, em)) due.add(event.id);
      },
    });
    this.due = due;
    this.afterCommit = options.afterCommit;
  }

  override async handleOnce(event: EventEnvelope): Promise<boolean> {
    try {
      const ran = await super.handleOnce(event);
      if (ran && this.due.has(event.id)) this.afterCommit(event);
      return ran;
    } finally {
      this.due.delete(event.id);
    }
  }
}
