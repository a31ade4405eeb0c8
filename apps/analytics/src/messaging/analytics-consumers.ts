import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  CONTACT_CREATED,
  CONTACT_DELETED,
  CONTACT_MERGED,
  CONTACT_PURGED,
  CONTACT_RESTORED,
  CONTACT_UNMERGED,
  CONTACT_UPDATED,
  CONTACT_RESYNCED,
  ORDER_PLACED,
  STREAMS,
  SYSTEM_ACTOR,
  type ContactCreatedV1,
  type ContactResyncedV1,
  type ContactMergedV1,
  type ContactSnapshotV1,
  type ContactUnmergedV1,
  type ContactUpdatedV1,
  type EventEnvelope,
  type OrderPlacedV1,
} from '@rapport/contracts';
import { deletionFactOf } from '@rapport/customer-master';
import { OutboxRelay } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { ConsumerRegistry, LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import type { AnalyticsConfig } from '../analytics.env';
import { CASE_EVENT_TYPES, CaseProjection } from '../cases/case-projection';
import { ClvScheduler } from '../clv/clv-scheduler';
import { ContactProjection } from '../contacts/contact-projection';
import { inRounds } from '../orders/order-batch';
import { OrderIngest } from '../orders/order-ingest';
import { TableStatistics, type AnalyzableTable } from '../statistics/table-statistics';
import { orderInputFromJson, type OrderInput } from '../orders/order-input';
import { RfmScheduler } from '../rfm/rfm-scheduler';
import { RescoreDebouncer } from './rescore-debouncer';

/** Most commerce orders one transaction takes from the stream, and how long a batch waits to fill. */
export const ORDER_BATCH = 2000;
const ORDER_BATCH_LINGER_MS = 100;

/** What a batch of events changed: whether RFM is due, and whose CLV scores. */
export interface BatchEffect {
  changed: boolean;
  contactIds: string[];
}

/**
 * Analytics' durable consumers: the sales customer master (into the contact
 * projection), partner orders (into the same ingest as recordOrders) and
 * service cases (open complaints, a churn signal).
 * All take events in batches (ConsumerRegistry.consumeInBatches: one
 * transaction per tenant batch, inbox rows for all of it); the registry
 * ensures the streams, as analytics may start before sales and service, and
 * COMMERCE has no Rapport producer to create it. Whenever a batch changes which orders count for
 * whom, the tenant's RFM recompute and the rescoring of the contacts
 * concerned are requested after its commit, debounced per tenant.
 */
@Injectable()
export class AnalyticsConsumers implements OnModuleInit, OnModuleDestroy {
  private readonly rescore: RescoreDebouncer;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) config: AnalyticsConfig,
    private readonly registry: ConsumerRegistry,
    private readonly relay: OutboxRelay,
    private readonly contacts: ContactProjection,
    private readonly ingest: OrderIngest,
    private readonly cases: CaseProjection,
    rfm: RfmScheduler,
    private readonly clv: ClvScheduler,
    private readonly statistics: TableStatistics,
  ) {
    this.rescore = new RescoreDebouncer(config.ANALYTICS_RESCORE_DEBOUNCE_MS, (tenantId, contactIds) => {
      rfm.request(tenantId);
      clv.requestScoring(tenantId, contactIds);
    });
  }

  async onModuleInit(): Promise<void> {
    const afterCommit = (tenantId: string, _events: EventEnvelope[], effect: BatchEffect) => {
      if (effect.changed) this.rescore.add(tenantId, effect.contactIds);
    };
    // A bulk import arrives as many batches: the tables they fill are analyzed once stale (ADR 055).
    const analyzeAfter = (table: AnalyzableTable) => (tenantId: string, events: EventEnvelope[], effect: BatchEffect) => {
      if (effect.changed) this.statistics.refreshLater([table], events.length);
      afterCommit(tenantId, events, effect);
    };
    await this.registry.consumeInBatches<BatchEffect>(STREAMS.SALES, {
      durable: 'analytics_contacts',
      eventTypes: [
        CONTACT_CREATED,
        CONTACT_UPDATED,
        // A live contact republished for a rebuild (ADR 053), applied as a snapshot like the two above.
        CONTACT_RESYNCED,
        CONTACT_MERGED,
        CONTACT_UNMERGED,
        CONTACT_DELETED,
        CONTACT_RESTORED,
        CONTACT_PURGED,
      ],
      handleBatch: (events, em, tenantId) => this.onContactEvents(events, em, tenantId),
      afterCommit: analyzeAfter('contacts'),
    });
    await this.registry.consumeInBatches<BatchEffect>(STREAMS.COMMERCE, {
      durable: 'analytics_orders',
      eventTypes: [ORDER_PLACED],
      handleBatch: (events, em, tenantId) => this.onOrdersPlaced(events as OrderPlacedV1[], em, tenantId),
      // A shop's feed arrives in bursts: a large batch is one transaction, one COPY, one upsert and one packed outbox row
      // for thousands of orders, where the default 500 spent a third of its time on per-batch work (ADR 057).
      batchSize: ORDER_BATCH,
      lingerMs: ORDER_BATCH_LINGER_MS,
      afterCommit: (tenantId, events, effect) => {
        // The batch wrote analytics.order.recorded events: publish them now rather than at the next poll.
        if (effect.changed) this.relay.kick();
        analyzeAfter('orders')(tenantId, events, effect);
      },
    });

    // Open complaints are a churn signal: the contacts whose complaints opened or closed are rescored.
    await this.registry.consumeInBatches<string[]>(STREAMS.SERVICE, {
      durable: 'analytics_cases',
      eventTypes: CASE_EVENT_TYPES,
      handleBatch: (events, em, tenantId) => this.cases.apply(em, tenantId, events),
      afterCommit: (tenantId, _events, contactIds) => this.clv.requestScoring(tenantId, contactIds),
    });
  }

  onModuleDestroy(): void {
    this.rescore.flushAll();
  }

  /**
   * In stream order, in one transaction: runs of created/updated snapshots
   * set-based (ContactProjection.applySnapshots), merges, unmerges and
   * deletions one by one between them.
   */
  private async onContactEvents(events: EventEnvelope[], em: EntityManager, tenantId: string): Promise<BatchEffect> {
    const contactIds: string[] = [];
    let snapshots: ContactSnapshotV1[] = [];
    const applySnapshots = async () => {
      if (snapshots.length > 0) contactIds.push(...(await this.contacts.applySnapshots(em, tenantId, snapshots)));
      snapshots = [];
    };
    for (const event of events) {
      const deletion = deletionFactOf(event);
      if (event.type === CONTACT_MERGED) {
        await applySnapshots();
        contactIds.push(...(await this.contacts.applyMerge(em, tenantId, event as ContactMergedV1)));
      } else if (event.type === CONTACT_UNMERGED) {
        await applySnapshots();
        contactIds.push(...(await this.contacts.applyUnmerge(em, tenantId, event as ContactUnmergedV1)));
      } else if (deletion) {
        await applySnapshots();
        contactIds.push(...(await this.contacts.applyDeletion(em, tenantId, deletion)));
      } else {
        snapshots.push((event as ContactCreatedV1 | ContactUpdatedV1 | ContactResyncedV1).data.contact);
      }
    }
    await applySnapshots();
    return { changed: contactIds.length > 0, contactIds };
  }

  /**
   * One ingest per round (see inRounds) for the whole batch. A rejected
   * order is logged and acknowledged: redelivering the same bad message
   * cannot make it valid. The partner fixes it and sends it again.
   */
  private async onOrdersPlaced(events: OrderPlacedV1[], em: EntityManager, tenantId: string): Promise<BatchEffect> {
    const parsed: { event: OrderPlacedV1; input: OrderInput }[] = [];
    for (const event of events) {
      try {
        parsed.push({ event, input: orderInputFromJson('data.order', event.data?.order) });
      } catch (err) {
        if ((err as { extensions?: { code?: string } }).extensions?.code !== 'BAD_USER_INPUT') throw err;
        this.logger.warn({ eventId: event.id, tenantId, err: (err as Error).message }, 'commerce order rejected');
      }
    }
    const contactIds = new Set<string>();
    let changed = false;
    for (const round of inRounds(parsed)) {
      const results = await this.ingest.ingest(
        em,
        tenantId,
        round.map((p) => p.input),
        { fieldAt: () => 'data.order', actor: SYSTEM_ACTOR },
      );
      for (const result of results) {
        if (result.outcome === 'REJECTED') {
          this.logger.warn({ eventId: round[result.index].event.id, tenantId, error: result.error }, 'commerce order rejected');
        }
        if (result.outcome === 'CREATED' || result.outcome === 'UPDATED') {
          changed = true;
          if (result.contactId) contactIds.add(result.contactId);
        }
      }
    }
    return { changed, contactIds: [...contactIds] };
  }
}
