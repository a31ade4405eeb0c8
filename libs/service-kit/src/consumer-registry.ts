import { Inject, Injectable } from '@nestjs/common';
import {
  BatchEventConsumer,
  DeadLetter,
  ensureStreamOnce,
  EventConsumer,
  eventFlowCounters,
  openPersonal,
  PersonalKeys,
  type BatchEventConsumerOptions,
  type EventConsumerOptions,
  type EventFlowCounters,
  type MessagingNaming,
} from '@rapport/messaging';
import type { StreamDefinition } from '@rapport/contracts';
import type { Logger, ServiceMetrics } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import type { NatsConnection } from 'nats';
import { consumerLagMetrics, type ConsumerBacklog } from './flow-metrics';
import type { PlatformConfig } from './service-config';
import { LOGGER, MESSAGING_NAMING, METRICS, NATS_CONNECTION, SERVICE_CONFIG } from './tokens';

/**
 * Feature modules register their event consumers here; the service starts
 * them once everything is wired and stops them first at shutdown, so no
 * message is taken that the process cannot finish. Every consumer parks what
 * it gives up on in the service's dead letter, which also replays parked
 * events through it on an operator's request (docs/adr/018-dead-letter.md),
 * after the retry budget EVENT_RETRY_DELAYS_MS sets (unless the consumer
 * declares its own). Handlers see sealed personal fields opened (ADR 034).
 */
@Injectable()
export class ConsumerRegistry {
  private readonly consumers: EventConsumer[] = [];
  private readonly counters: EventFlowCounters;

  constructor(
    private readonly deadLetter: DeadLetter,
    private readonly keys: PersonalKeys,
    @Inject(SERVICE_CONFIG) private readonly config: PlatformConfig,
    @Inject(METRICS) metrics: ServiceMetrics,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
  ) {
    consumerLagMetrics(metrics.registry, () => this.backlogs());
    this.counters = eventFlowCounters(metrics.registry);
  }

  register(consumer: EventConsumer): void {
    const delays = this.config.EVENT_RETRY_DELAYS_MS;
    this.consumers.push(
      consumer
        .parkFailuresIn(this.deadLetter)
        .retryByDefault(delays ? { delaysMs: delays } : null)
        .ackWait(this.config.EVENT_ACK_WAIT_MS)
        .openWith((event) => openPersonal(event, this.keys))
        .countIn(this.counters),
    );
  }

  /**
   * A consumer of another service's stream, one event per transaction: the
   * stream is ensured first (whichever service starts first creates it; once per start: ADR 088).
   */
  async consume(stream: StreamDefinition, options: Omit<EventConsumerOptions, 'stream'>): Promise<void> {
    const name = await ensureStreamOnce(this.nc, this.naming, stream);
    this.register(new EventConsumer(this.nc, this.tenantDb, this.naming, this.logger, { ...options, stream: name }));
  }

  /** The same, taking events in batches: one transaction per tenant group of a batch. */
  async consumeInBatches<T>(stream: StreamDefinition, options: Omit<BatchEventConsumerOptions<T>, 'stream'>): Promise<void> {
    const name = await ensureStreamOnce(this.nc, this.naming, stream);
    this.register(new BatchEventConsumer<T>(this.nc, this.tenantDb, this.naming, this.logger, { ...options, stream: name }));
  }

  async startAll(): Promise<void> {
    await this.deadLetter.start(this.consumers);
    for (const c of this.consumers) await c.start();
  }

  /** Each consumer's lag; one whose reading fails (its consumer not created yet) is left out of this scrape. */
  private async backlogs(): Promise<ConsumerBacklog[]> {
    const readings = await Promise.allSettled(this.consumers.map((c) => c.backlog()));
    return readings.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.consumers.map((c) => c.stop()), this.deadLetter.stop()]);
  }
}
