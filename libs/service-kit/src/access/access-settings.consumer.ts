import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ACCESS_CHANGED, STREAMS, type AccessChangedV1 } from '@rapport/contracts';
import { ensureStream, EventConsumer, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import type { NatsConnection } from 'nats';
import { ConsumerRegistry } from '../consumer-registry';
import type { ServiceDefinition } from '../definition';
import { LOGGER, MESSAGING_NAMING, NATS_CONNECTION, SERVICE_DEFINITION } from '../tokens';
import { AccessSettingsStore, writeAccessSettings } from './access-settings.store';

/**
 * Keeps this service's copy of every tenant's access settings in step with
 * identity.access.changed. The durable consumer starts at the stream's
 * beginning, so a service installed later still learns every tenant's
 * settings; each event carries the whole settings, so the latest revision
 * is all that matters.
 */
@Injectable()
export class AccessSettingsConsumer implements OnModuleInit {
  constructor(
    @Inject(SERVICE_DEFINITION) private readonly def: ServiceDefinition,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
    private readonly store: AccessSettingsStore,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.def.ownsAccessSettings) return;
    const identity = await ensureStream(this.nc, this.naming, STREAMS.IDENTITY);
    this.registry.register(
      new EventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
        stream: identity,
        durable: `${this.def.name}_access_settings`,
        eventTypes: [ACCESS_CHANGED],
        handler: async (event, em) => {
          const { settings } = (event as AccessChangedV1).data;
          if (await writeAccessSettings(em, event.tenantId, settings)) this.store.forget(event.tenantId);
          else this.logger.info({ eventId: event.id, revision: settings.revision }, 'older access settings ignored');
        },
      }),
    );
  }
}
