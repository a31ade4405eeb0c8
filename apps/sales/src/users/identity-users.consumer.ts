import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { STREAMS } from '@rapport/contracts';
import { ensureStream, EventConsumer, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import { applyUserEvent } from './identity-users.projection';

/**
 * Keeps `identity_users` in step with identity's identity.user.* events
 * (inbox-deduplicated by EventConsumer; one wildcard filter on the server).
 * The IDENTITY stream is ensured here because sales may start first; the
 * durable consumer starts from the stream's beginning, so a new sales
 * installation learns every user identity ever published.
 */
@Injectable()
export class IdentityUsersConsumer implements OnModuleInit {
  constructor(
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
        durable: 'sales_identity_users',
        eventTypes: ['identity.user.*'],
        handler: async (event, em) => {
          if ((await applyUserEvent(em, event)) === 'ignored')
            this.logger.warn({ eventId: event.id, type: event.type }, 'user event ignored');
        },
      }),
    );
  }
}
