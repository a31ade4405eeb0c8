import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { STREAMS, type EventEnvelope } from '@rapport/contracts';
import { ensureStream, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';
import { JourneyEngine, type StepSchedule } from '../journeys/journey-engine';
import { TRIGGER_EVENTS } from '../journeys/journey-input';
import { JourneyJobs } from '../journeys/journey-jobs';
import { Attribution } from '../measurement/attribution';
import { AfterCommitConsumer, type AfterCommit } from './after-commit-consumer';
import { READ_MODEL_EVENTS, ReadModelProjector } from './read-model-projector';

/**
 * Marketing's durable consumers, one per producing stream (SALES, SERVICE,
 * ANALYTICS, and COMMERCE for partners' cart events). Each event updates
 * the read model, then what depends on it in the same transaction: orders
 * are attributed to campaigns, complaints pause and resume marketing
 * journeys, trigger events enrol contacts. Journey steps are scheduled
 * after the commit. The streams are ensured here, as marketing may start
 * before their producers.
 */
@Injectable()
export class MarketingConsumers implements OnModuleInit {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
    private readonly projector: ReadModelProjector,
    private readonly attribution: Attribution,
    private readonly journeys: JourneyEngine,
    private readonly journeyJobs: JourneyJobs,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const key of ['SALES', 'SERVICE', 'ANALYTICS', 'COMMERCE'] as const) {
      const stream = await ensureStream(this.nc, this.naming, STREAMS[key]);
      this.registry.register(
        new AfterCommitConsumer(this.nc, this.tenantDb, this.naming, {
          stream,
          durable: `marketing_${key.toLowerCase()}`,
          eventTypes: [...READ_MODEL_EVENTS[key]],
          logger: this.logger,
          handler: (event, em, afterCommit) => this.handle(event, em, afterCommit),
        }),
      );
    }
  }

  async handle(event: EventEnvelope, em: EntityManager, afterCommit: AfterCommit): Promise<void> {
    const applied = await this.projector.apply(em, event);
    if (applied.order) await this.attribution.onOrder(em, event.tenantId, applied.order.data, applied.order.survivor);
    for (const contactId of applied.complaintOpened) await this.journeys.pauseForComplaint(em, event.tenantId, contactId);
    const steps: StepSchedule[] = [];
    for (const contactId of applied.complaintsCleared)
      steps.push(...(await this.journeys.resumeAfterComplaints(em, event.tenantId, contactId)));
    if (applied.contactId && (TRIGGER_EVENTS as readonly string[]).includes(event.type)) {
      steps.push(...(await this.journeys.enroll(em, event, applied.contactId)));
    }
    if (steps.length > 0) afterCommit(() => this.journeyJobs.schedule(steps));
  }
}
