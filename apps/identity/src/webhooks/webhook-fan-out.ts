import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_ACCESS, STREAMS, type EventEnvelope } from '@rapport/contracts';
import { ensureStream, EventConsumer, type EventConsumerOptions, type MessagingNaming, type RelayLogger } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { WebhookDeliveries } from './webhook-deliveries';
import { matchesFilter, type WebhookFilter } from './webhook-filter';
import type { DeliveryJob } from './webhook-rows';

/** The streams whose events can be delivered (EVENT_ACCESS), by the prefix of their types. */
export const DELIVERABLE_STREAMS = [
  { service: 'sales', stream: STREAMS.SALES },
  { service: 'service', stream: STREAMS.SERVICE },
  { service: 'marketing', stream: STREAMS.MARKETING },
  { service: 'analytics', stream: STREAMS.ANALYTICS },
];

/**
 * An inbox consumer that queues the deliveries its handler wrote once their
 * transaction has committed (a job must never look for a row that is not
 * there yet, nor for one that was rolled back).
 */
class FanOutConsumer extends EventConsumer {
  constructor(
    nc: NatsConnection,
    db: TenantDatabase,
    naming: MessagingNaming,
    logger: RelayLogger,
    options: EventConsumerOptions,
    private readonly written: Map<string, DeliveryJob[]>,
    private readonly enqueue: (jobs: DeliveryJob[]) => Promise<void>,
  ) {
    super(nc, db, naming, logger, options);
  }

  override async handleOnce(event: EventEnvelope): Promise<boolean> {
    try {
      const ran = await super.handleOnce(event);
      if (ran) await this.enqueue(this.written.get(event.id) ?? []);
      return ran;
    } finally {
      this.written.delete(event.id);
    }
  }
}

/**
 * The fan-out from every producing stream to webhook endpoints: one durable
 * consumer per stream (as the audit log does), a delivery row per matching
 * enabled endpoint in the inbox transaction, so a redelivered event creates
 * none twice. An endpoint gets only events that happened after it was
 * created (older ones through replay). The same place will feed GraphQL
 * subscriptions: what is matched here is type, tenant and filter; what the
 * receiver may read is decided at send time (eventForReader).
 */
@Injectable()
export class WebhookFanOut implements OnModuleInit {
  private readonly written = new Map<string, DeliveryJob[]>();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const { service, stream } of DELIVERABLE_STREAMS) {
      const name = await ensureStream(this.nc, this.naming, stream);
      const options: EventConsumerOptions = {
        stream: name,
        durable: `identity_webhooks_${service}`,
        eventTypes: [`${service}.>`],
        handler: async (event, em) => {
          const jobs = await this.record(em, event, false);
          if (jobs.length > 0) this.written.set(event.id, jobs);
        },
      };
      this.registry.register(
        new FanOutConsumer(this.nc, this.tenantDb, this.naming, this.logger, options, this.written, (jobs) =>
          this.deliveries.enqueue(jobs),
        ),
      );
    }
  }

  /**
   * Writes the event's deliveries (one per matching endpoint; `endpointId`
   * narrows to one, for replay). A replayed event that was delivered before
   * becomes pending again under the next generation — the same webhook-id,
   * a new job.
   */
  async record(em: EntityManager, event: EventEnvelope, replay: boolean, endpointId?: string): Promise<DeliveryJob[]> {
    if (!EVENT_ACCESS[event.type]) return [];
    const endpoints: { id: string; filter: WebhookFilter | null }[] = await em.query(
      `SELECT id, filter FROM webhook_endpoints
        WHERE enabled AND $1 = ANY(event_types) AND ($2::uuid IS NULL OR id = $2) AND ($3 OR created_at <= $4)`,
      [event.type, endpointId ?? null, replay, new Date(event.occurredAt)],
    );
    const jobs: DeliveryJob[] = [];
    for (const endpoint of endpoints) {
      if (!matchesFilter(endpoint.filter, event)) continue;
      const rows: { id: string; generation: number }[] = await em.query(
        `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, subject_id, event, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING')
         ON CONFLICT (endpoint_id, event_id) DO ${replay ? `UPDATE SET status = 'PENDING', generation = webhook_deliveries.generation + 1` : 'NOTHING'}
         RETURNING id, generation`,
        [uuidv7(), event.tenantId, endpoint.id, event.id, event.type, event.subjectId, JSON.stringify(event)],
      );
      for (const r of rows) jobs.push({ tenantId: event.tenantId, deliveryId: r.id, generation: r.generation });
    }
    return jobs;
  }
}
