import { Injectable, type OnModuleInit } from '@nestjs/common';
import { STREAMS, type EventEnvelope } from '@rapport/contracts';
import { OutboxRelay } from '@rapport/messaging';
import { ConsumerRegistry } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { JourneyEngine, type StepSchedule } from '../journeys/journey-engine';
import { JourneyJobs } from '../journeys/journey-jobs';
import { Attribution } from '../measurement/attribution';
import { eventRuns, snapshotsOnly } from './event-runs';
import { contactsNamedBy } from './batch-contacts';
import { lockBatchContacts, lockReadModel } from './read-model-lock';
import { READ_MODEL_EVENTS, ReadModelProjector, type Applied } from './read-model-projector';

/**
 * Most events one tenant transaction takes from a stream. A run of
 * snapshots is a few statements whatever its length (ADR 058); at the
 * default 500, what every batch pays whatever its size — starting and
 * committing the transaction, the lock, the journey triggers, a round trip
 * per statement — was over a third of a batch's time (ADR 069). 2,000 is
 * also analytics' order batch (ADR 057).
 */
export const EVENT_BATCH = 2000;

/**
 * Marketing's durable consumers, one per producing stream (SALES, SERVICE,
 * ANALYTICS, and COMMERCE for partners' cart events). Each event updates
 * the read model, then what depends on it in the same transaction: orders
 * are attributed to campaigns, complaints pause and resume marketing
 * journeys, trigger events enrol contacts. Messages are taken in batches
 * (one transaction per tenant and batch, inbox rows in one statement,
 * libs/messaging) and applied set-based where that gives the same rows
 * (ADR 058); journey steps are scheduled after the commit. The registry
 * ensures the streams, as marketing may start before their producers.
 */
@Injectable()
export class MarketingConsumers implements OnModuleInit {
  constructor(
    private readonly registry: ConsumerRegistry,
    private readonly projector: ReadModelProjector,
    private readonly attribution: Attribution,
    private readonly journeys: JourneyEngine,
    private readonly journeyJobs: JourneyJobs,
    private readonly relay: OutboxRelay,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const key of ['SALES', 'SERVICE', 'ANALYTICS', 'COMMERCE'] as const) {
      await this.registry.consumeInBatches<StepSchedule[]>(STREAMS[key], {
        durable: `marketing_${key.toLowerCase()}`,
        eventTypes: [...READ_MODEL_EVENTS[key]],
        handleBatch: (events, em, tenantId) => this.handleBatch(events, em, tenantId),
        batchSize: EVENT_BATCH,
        // After the commit: the relay publishes what attribution wrote, journey steps may read their enrolments.
        afterCommit: (_tenantId, _events, steps) => {
          this.relay.kick();
          if (steps.length > 0) void this.journeyJobs.schedule(steps);
        },
      });
    }
  }

  /**
   * Applies one tenant's batch (stream order) in its transaction: runs of
   * snapshots and scores set-based, everything else event by event between
   * them (event-runs.ts); then, per event in order, what follows from it.
   */
  async handleBatch(events: EventEnvelope[], em: EntityManager, tenantId: string): Promise<StepSchedule[]> {
    const runs = eventRuns(events);
    if (snapshotsOnly(runs)) {
      // Snapshots write only their own contacts' rows, and their upsert writes them in id order: it is the batch's one
      // ordered lock-taking statement itself. A placeholder row first was a second write of each new contact (ADR 086).
      await lockReadModel(em, tenantId, 'shared');
    } else {
      // First, before any write: every contact row the batch will write, in id order, so two batches cannot cross (ADR 077).
      await lockBatchContacts(em, tenantId, contactsNamedBy(events));
    }
    const triggers = await this.journeys.activeTriggers(em, tenantId);
    const steps: StepSchedule[] = [];
    for (const run of runs) {
      const applied = await this.projector.applyRun(em, tenantId, run);
      // A run's orders are attributed together (one lookup of their touches), before what else follows from them.
      const orders = applied.flatMap((a) => (a.order ? [{ data: a.order.data, survivor: a.order.survivor }] : []));
      await this.attribution.onOrders(em, tenantId, orders);
      for (let i = 0; i < run.events.length; i++) {
        // Most events (a new contact with no journey it triggers) have nothing to follow: no await per event for them.
        if (nothingFollows(run.events[i], applied[i], triggers)) continue;
        steps.push(...(await this.follow(run.events[i], applied[i], em, triggers)));
      }
    }
    return steps;
  }

  /** What follows an applied event besides its order's attribution: complaints pausing and resuming journeys, trigger enrolment. */
  private async follow(event: EventEnvelope, applied: Applied, em: EntityManager, triggers: Set<string>): Promise<StepSchedule[]> {
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

/** Whether `follow` would do nothing for the event: no complaint opened or cleared, and no journey it enrols its contact in. */
function nothingFollows(event: EventEnvelope, applied: Applied, triggers: Set<string>): boolean {
  return applied.complaintOpened.length === 0 && applied.complaintsCleared.length === 0 && !(applied.contactId && triggers.has(event.type));
}
