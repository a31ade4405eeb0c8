import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  STREAMS,
  type CustomerTierChangedV1,
  type CustomerValueChangedV1,
  type EventEnvelope,
} from '@rapport/contracts';
import type { TierAt } from '@rapport/persistence';
import { ConsumerRegistry } from '@rapport/service-kit';
import { recordCustomerTiers } from './customer-tiers';

/**
 * Keeps the latest value tier per contact from analytics (the owner of the
 * figure): `tier_changed` names a new tier, `value_changed` carries the tier
 * of every rescoring (null once a customer is no longer tiered). Inbox-
 * deduplicated; a batch is one statement (a scoring re-tiers every
 * customer at once); an older event never overwrites a newer one. The ANALYTICS stream is ensured
 * here because sales may start first.
 */
@Injectable()
export class CustomerTiersConsumer implements OnModuleInit {
  constructor(private readonly registry: ConsumerRegistry) {}

  async onModuleInit(): Promise<void> {
    await this.registry.consumeInBatches(STREAMS.ANALYTICS, {
      durable: 'sales_customer_tiers',
      eventTypes: [CUSTOMER_TIER_CHANGED, CUSTOMER_VALUE_CHANGED],
      handleBatch: (events, em, tenantId) => recordCustomerTiers(em, tenantId, events.map(tierOf)),
    });
  }
}

function tierOf(event: EventEnvelope): TierAt {
  const { data } = event as CustomerTierChangedV1 | CustomerValueChangedV1;
  const tier = typeof data?.tier === 'string' && data.tier.length > 0 ? data.tier : null;
  return { contactId: data?.contactId ?? event.subjectId, tier, at: new Date(event.occurredAt) };
}
