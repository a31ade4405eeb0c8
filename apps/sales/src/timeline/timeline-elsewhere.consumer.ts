import { Injectable, type OnModuleInit } from '@nestjs/common';
import { STREAMS } from '@rapport/contracts';
import { ConsumerRegistry } from '@rapport/service-kit';
import { ELSEWHERE_EVENTS } from './timeline-elsewhere';
import { applyElsewhereEvents } from './timeline-elsewhere-apply';

/**
 * Puts what service, analytics and marketing report about a customer on the
 * customer's timeline (ADR 045): one durable consumer per producer's stream,
 * inbox-deduplicated, so each happening is one entry however often it
 * arrives. The streams are ensured here because sales may start first.
 */
@Injectable()
export class TimelineElsewhereConsumer implements OnModuleInit {
  constructor(private readonly registry: ConsumerRegistry) {}

  async onModuleInit(): Promise<void> {
    for (const producer of Object.keys(ELSEWHERE_EVENTS) as (keyof typeof ELSEWHERE_EVENTS)[]) {
      await this.registry.consumeInBatches(STREAMS[producer], {
        durable: `sales_timeline_${producer.toLowerCase()}`,
        eventTypes: [...ELSEWHERE_EVENTS[producer]],
        handleBatch: (events, em, tenantId) => applyElsewhereEvents(em, tenantId, events),
      });
    }
  }
}
