import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ACCESS_CHANGED, type AccessChangedV1 } from '@rapport/contracts';
import type { Logger } from '@rapport/observability';
import type { ServiceDefinition } from '../definition';
import { IdentityStream } from '../identity-stream';
import { LOGGER, SERVICE_DEFINITION } from '../tokens';
import { AccessSettingsStore, writeAccessSettings } from './access-settings.store';

/**
 * Keeps this service's copy of every tenant's access settings in step with
 * identity.access.changed. Each event carries the whole settings, so the
 * latest revision is all that matters.
 */
@Injectable()
export class AccessSettingsConsumer implements OnModuleInit {
  constructor(
    @Inject(SERVICE_DEFINITION) private readonly def: ServiceDefinition,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly identity: IdentityStream,
    private readonly store: AccessSettingsStore,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.def.ownsAccessSettings) return;
    await this.identity.consume('access_settings', [ACCESS_CHANGED], async (event, em) => {
      const { settings } = (event as AccessChangedV1).data;
      if (await writeAccessSettings(em, event.tenantId, settings)) this.store.forget(event.tenantId);
      else this.logger.info({ eventId: event.id, revision: settings.revision }, 'older access settings ignored');
    });
  }
}
