import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { STREAMS } from '@rapport/contracts';
import { ensureStream, EventConsumer, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import type { NatsConnection } from 'nats';
import { ConsumerRegistry } from '../consumer-registry';
import type { ServiceDefinition } from '../definition';
import { LOGGER, MESSAGING_NAMING, NATS_CONNECTION, SERVICE_DEFINITION } from '../tokens';
import { applyUserEvent } from './identity-users.projection';

/**
 * Keeps the service's `identity_users` in step with identity's identity.user.* events
 * (inbox-deduplicated by EventConsumer; one wildcard filter on the server).
 * The IDENTITY stream is ensured here because the service may start before
 * identity; the durable consumer starts from the stream's beginning, so a new
 * installation learns every user identity ever published. A service that
 * needs users (owners, teams) lists this provider in its module.
 */
@Injectable()
export class IdentityUsersConsumer implements OnModuleInit {
  constructor(
    @Inject(SERVICE_DEFINITION) private readonly def: ServiceDefinition,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const identity = await ensureStream(this.nc, this.naming, STREAMS.IDENTITY);
    this.registry.register(
      new EventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
        stream: identity,
        durable: `${this.def.name}_identity_users`,
        eventTypes: ['identity.user.*'],
        handler: async (event, em) => {
          if ((await applyUserEvent(em, event)) === 'ignored')
            this.logger.warn({ eventId: event.id, type: event.type }, 'user event ignored');
        },
      }),
    );
  }
}
