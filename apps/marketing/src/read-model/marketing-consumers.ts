import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { STREAMS, type EventEnvelope } from '@rapport/contracts';
import { BatchEventConsumer, ensureStream, OutboxRelay, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';
import { JourneyEngine, type StepSchedule } from '../journeys/journey-engine';
import { JourneyJobs } from '../journeys/journey-jobs';
import { Attribution } from '../measurement/attribution';
import { READ_MODEL_EVENTS, ReadModelProjector } from './read-model-projector';

/**
 * Marketing's durable consumers, one per producing stream (SALES, SERVICE,
 * ANALYTICS, and COMMERCE for partners' cart events). Each event updates
 * the read model, then what depends on it in the same transaction: orders
 * are attributed to campaigns, complaints pause and resume marketing
 * journeys, trigger events enrol contacts. Messages are taken in batches
 * (one transaction per tenant and batch, libs/messaging); journey steps are
 * scheduled after the commit. The streams are ensured here, as marketing
 * may start before their producers.
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
    private readonly relay: OutboxRelay,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const key of ['SALES', 'SERVICE', 'ANALYTICS', 'COMMERCE'] as const) {
      const stream = await ensureStream(this.nc, this.naming, STREAMS[key]);
      this.registry.register(
        new BatchEventConsumer<StepSchedule[]>(this.nc, this.tenantDb, this.naming, this.logger, {
          stream,
          durable: `marketing_${key.toLowerCase()}`,
          eventTypes: [...READ_MODEL_EVENTS[key]],
          handleBatch: async (events, em, tenantId) => {
            const triggers = await this.journeys.activeTriggers(em, tenantId);
            const steps: StepSchedule[] = [];
            for (const event of events) steps.push(...(await this.handle(event, em, triggers)));
            return steps;
          },
          // After the commit: the relay publishes what attribution wrote, journey steps may read their enrolments.
          afterCommit: (_tenantId, _events, steps) => {
            this.relay.kick();
            if (steps.length > 0) void this.journeyJobs.schedule(steps);
          },
        }),
      );
    }
  }

  /** Applies one event in its batch's transaction; returns the journey steps to schedule once it commits. */
  async handle(event: EventEnvelope, em: EntityManager, triggers: Set<string>): Promise<StepSchedule[]> {
    const applied = await this.projector.apply(em, event);
    if (applied.order) await this.attribution.onOrder(em, event.tenantId, applied.order.data, applied.order.survivor);
    for (const contactId of applied.complaintOpened) await this.journeys.pauseForComplaint(em, event.tenantId, contactId);
    const steps: StepSchedule[] = [];
    for (const contactId of applied.complaintsCleared)
      steps.push(...(await this.journeys.resumeAfterComplaints(em, event.tenantId, contactId)));
    if (applied.contactId && triggers.has(event.type)) {
      steps.push(...(await this.journeys.enroll(em, event, applied.contactId)));
    }
    return steps;
  }
}
