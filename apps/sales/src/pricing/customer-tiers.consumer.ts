import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  STREAMS,
  type CustomerTierChangedV1,
  type CustomerValueChangedV1,
} from '@rapport/contracts';
import { BatchEventConsumer, ensureStream, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import { recordCustomerTier } from './customer-tiers';

/**
 * Keeps the latest value tier per contact from analytics (the owner of the
 * figure): `tier_changed` names a new tier, `value_changed` carries the tier
 * of every rescoring (null once a customer is no longer tiered). Inbox-
 * deduplicated, in batches (a fit re-tiers many customers at once); an
 * older event never overwrites a newer one. The ANALYTICS stream is ensured
 * here because sales may start first.
 */
@Injectable()
export class CustomerTiersConsumer implements OnModuleInit {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const analytics = await ensureStream(this.nc, this.naming, STREAMS.ANALYTICS);
    this.registry.register(
      new BatchEventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
        stream: analytics,
        durable: 'sales_customer_tiers',
        eventTypes: [CUSTOMER_TIER_CHANGED, CUSTOMER_VALUE_CHANGED],
        handleBatch: async (events, em, tenantId) => {
          for (const event of events) {
            const { data } = event as CustomerTierChangedV1 | CustomerValueChangedV1;
            const contactId = data?.contactId ?? event.subjectId;
            const tier = typeof data?.tier === 'string' && data.tier.length > 0 ? data.tier : null;
            await recordCustomerTier(em, tenantId, contactId, tier, new Date(event.occurredAt));
          }
        },
      }),
    );
  }
}
