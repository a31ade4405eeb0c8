import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  CONTACT_CREATED,
  CONTACT_MERGED,
  CONTACT_UNMERGED,
  CONTACT_UPDATED,
  ORDER_PLACED,
  STREAMS,
  type ContactCreatedV1,
  type ContactMergedV1,
  type ContactUnmergedV1,
  type ContactUpdatedV1,
  type EventEnvelope,
  type OrderPlacedV1,
} from '@rapport/contracts';
import { ensureStream, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';
import { ClvScheduler } from '../clv/clv-scheduler';
import { ContactProjection } from '../contacts/contact-projection';
import { OrderIngest } from '../orders/order-ingest';
import { orderInputFromJson } from '../orders/order-input';
import { RfmScheduler } from '../rfm/rfm-scheduler';
import { FollowUpConsumer } from './follow-up-consumer';

/**
 * Analytics' durable consumers: the sales customer master (into the contact
 * projection) and partner orders (into the same ingest as recordOrders).
 * Both streams are ensured here because analytics may start before sales,
 * and COMMERCE has no Rapport producer to create it. Whenever an event
 * changes which orders count for whom, an RFM recompute is requested after
 * its transaction commits.
 */
@Injectable()
export class AnalyticsConsumers implements OnModuleInit {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
    private readonly contacts: ContactProjection,
    private readonly ingest: OrderIngest,
    private readonly rfm: RfmScheduler,
    private readonly clv: ClvScheduler,
  ) {}

  /** Contacts to rescore once an order event's transaction commits, by event id. */
  private readonly rescoreAfterCommit = new Map<string, string[]>();

  async onModuleInit(): Promise<void> {
    const sales = await ensureStream(this.nc, this.naming, STREAMS.SALES);
    const commerce = await ensureStream(this.nc, this.naming, STREAMS.COMMERCE);
    const afterCommit = (event: EventEnvelope) => this.rfm.request(event.tenantId);
    this.registry.register(
      new FollowUpConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
        stream: sales,
        durable: 'analytics_contacts',
        eventTypes: [CONTACT_CREATED, CONTACT_UPDATED, CONTACT_MERGED, CONTACT_UNMERGED],
        handler: (event, em) => this.onContactEvent(event, em),
        afterCommit: (event) => {
          afterCommit(event);
          this.clv.requestScoring(event.tenantId, contactsOf(event));
        },
      }),
    );
    this.registry.register(
      new FollowUpConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
        stream: commerce,
        durable: 'analytics_orders',
        eventTypes: [ORDER_PLACED],
        handler: (event, em) => this.onOrderPlaced(event as OrderPlacedV1, em),
        afterCommit: (event) => {
          afterCommit(event);
          const contactIds = this.rescoreAfterCommit.get(event.id);
          this.rescoreAfterCommit.delete(event.id);
          if (contactIds) this.clv.requestScoring(event.tenantId, contactIds);
        },
      }),
    );
  }

  private onContactEvent(event: EventEnvelope, em: EntityManager): Promise<boolean> {
    if (event.type === CONTACT_MERGED) return this.contacts.applyMerge(em, event.tenantId, (event as ContactMergedV1).data);
    if (event.type === CONTACT_UNMERGED) return this.contacts.applyUnmerge(em, event.tenantId, (event as ContactUnmergedV1).data);
    return this.contacts.applySnapshot(em, event.tenantId, (event as ContactCreatedV1 | ContactUpdatedV1).data.contact);
  }

  /**
   * A rejected order is logged and acknowledged: redelivering the same bad
   * message cannot make it valid. The partner fixes it and sends it again.
   */
  private async onOrderPlaced(event: OrderPlacedV1, em: EntityManager): Promise<boolean> {
    let results;
    try {
      results = await this.ingest.ingest(em, event.tenantId, [orderInputFromJson('data.order', event.data?.order)], () => 'data.order');
    } catch (err) {
      if ((err as { extensions?: { code?: string } }).extensions?.code !== 'BAD_USER_INPUT') throw err;
      this.logger.warn({ eventId: event.id, tenantId: event.tenantId, err: (err as Error).message }, 'commerce order rejected');
      return false;
    }
    const [result] = results;
    if (result.outcome === 'REJECTED') {
      this.logger.warn({ eventId: event.id, tenantId: event.tenantId, error: result.error }, 'commerce order rejected');
    }
    const changed = result.outcome === 'CREATED' || result.outcome === 'UPDATED';
    if (changed && result.contactId) this.rescoreAfterCommit.set(event.id, [result.contactId]);
    return changed;
  }
}

/**
 * The contacts whose orders a contact event re-pointed: the survivor of a
 * merge; the survivor and the restored contacts of an unmerge; else the contact itself.
 */
function contactsOf(event: EventEnvelope): string[] {
  if (event.type === CONTACT_MERGED) return [(event as ContactMergedV1).data.survivorId];
  if (event.type === CONTACT_UNMERGED) {
    const { survivorId, restoredIds } = (event as ContactUnmergedV1).data;
    return [survivorId, ...restoredIds];
  }
  return [(event as ContactCreatedV1 | ContactUpdatedV1).data.contact.id];
}
