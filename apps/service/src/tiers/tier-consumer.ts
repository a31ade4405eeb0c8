import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CUSTOMER_TIER_CHANGED, STREAMS, type CustomerTierChangedV1 } from '@rapport/contracts';
import type { Logger } from '@rapport/observability';
import type { TierAt } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER } from '@rapport/service-kit';
import { SlaPoliciesService } from '../sla/sla-policies.service';

/**
 * Keeps the latest customer tier per contact from analytics'
 * `analytics.customer.tier_changed` (inbox-deduplicated; a batch in one
 * statement, as a scoring changes the tiers of many customers at once).
 * The ANALYTICS stream is ensured here because service may start first.
 * New cases take the policy of the tier known when they open.
 */
@Injectable()
export class TierConsumer implements OnModuleInit {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly registry: ConsumerRegistry,
    private readonly policies: SlaPoliciesService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.registry.consumeInBatches(STREAMS.ANALYTICS, {
      durable: 'service_customer_tiers',
      eventTypes: [CUSTOMER_TIER_CHANGED],
      handleBatch: async (events, em, tenantId) => {
        const tiers: TierAt[] = [];
        for (const event of events) {
          const { data } = event as CustomerTierChangedV1;
          if (typeof data?.tier !== 'string' || data.tier.length === 0) {
            this.logger.warn({ eventId: event.id }, 'tier_changed without a tier; ignored');
            continue;
          }
          tiers.push({ contactId: data.contactId ?? event.subjectId, tier: data.tier, at: new Date(event.occurredAt) });
        }
        await this.policies.recordTiers(em, tenantId, tiers);
      },
    });
  }
}
