import { Inject, Injectable } from '@nestjs/common';
import { DeadLetter, openPersonal, PersonalKeys, type EventConsumer } from '@rapport/messaging';
import type { ServiceMetrics } from '@rapport/observability';
import { consumerLagMetrics, type ConsumerBacklog } from './flow-metrics';
import type { PlatformConfig } from './service-config';
import { METRICS, SERVICE_CONFIG } from './tokens';

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

  constructor(
    private readonly deadLetter: DeadLetter,
    private readonly keys: PersonalKeys,
    @Inject(SERVICE_CONFIG) private readonly config: PlatformConfig,
    @Inject(METRICS) metrics: ServiceMetrics,
  ) {
    consumerLagMetrics(metrics.registry, () => this.backlogs());
  }

  register(consumer: EventConsumer): void {
    const delays = this.config.EVENT_RETRY_DELAYS_MS;
    this.consumers.push(
      consumer
        .parkFailuresIn(this.deadLetter)
        .retryByDefault(delays ? { delaysMs: delays } : null)
        .openWith((event) => openPersonal(event, this.keys)),
    );
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
