import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  STREAMS,
  type CustomerTierChangedV1,
  type CustomerValueChangedV1,
} from '@rapport/contracts';
import { ConsumerRegistry } from '@rapport/service-kit';
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
  constructor(private readonly registry: ConsumerRegistry) {}

  async onModuleInit(): Promise<void> {
    await this.registry.consumeInBatches(STREAMS.ANALYTICS, {
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
    });
  }
}
