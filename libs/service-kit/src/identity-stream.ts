import { Inject, Injectable } from '@nestjs/common';
import { STREAMS } from '@rapport/contracts';
import { BatchEventConsumer, ensureStreamOnce, type EventHandler, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import type { NatsConnection } from 'nats';
import { ConsumerRegistry } from './consumer-registry';
import type { ServiceDefinition } from './definition';
import { LOGGER, MESSAGING_NAMING, NATS_CONNECTION, SERVICE_DEFINITION } from './tokens';

/**
 * What a service learns from identity (users, access settings) arrives on the
 * IDENTITY stream. It is ensured here because a service may start before
 * identity; each durable consumer starts from the stream's beginning, so a new
 * installation learns everything identity ever published. Events are taken
 * in batches, one transaction per tenant batch (BatchEventConsumer): a new
 * service, or one back from an outage, catches up on a large tenant's users
 * in seconds rather than one transaction per event.
 */
@Injectable()
export class IdentityStream {
  constructor(
    @Inject(SERVICE_DEFINITION) private readonly def: ServiceDefinition,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
  ) {}

  /**
   * Registers the inbox-deduplicated durable consumer `<service>_<purpose>` of these identity events; the handler
   * sees them one at a time, in stream order.
   */
  async consume(purpose: string, eventTypes: string[], handler: EventHandler): Promise<void> {
    const stream = await ensureStreamOnce(this.nc, this.naming, STREAMS.IDENTITY);
    this.registry.register(
      new BatchEventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
        stream,
        durable: `${this.def.name}_${purpose}`,
        eventTypes,
        handleBatch: async (events, em) => {
          for (const event of events) await handler(event, em);
        },
      }),
    );
  }
}
