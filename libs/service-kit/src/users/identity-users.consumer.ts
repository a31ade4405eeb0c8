import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@rapport/observability';
import { FRESH_FOR_MS } from '../access/access-settings.store';
import { IdentityStream } from '../identity-stream';
import { ReadCacheSignal } from '../read-cache-signal';
import { LOGGER } from '../tokens';
import { applyUserEvent } from './identity-users.projection';

/**
 * Keeps the service's `identity_users` in step with identity's identity.user.*
 * events (one wildcard filter on the server). A service that needs users
 * (owners, teams) lists this provider in its module.
 */
@Injectable()
export class IdentityUsersConsumer implements OnModuleInit {
  constructor(
    private readonly identity: IdentityStream,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly readCache: ReadCacheSignal,
  ) {}

  onModuleInit(): Promise<void> {
    return this.identity.consume('identity_users', ['identity.user.*'], async (event, em) => {
      if ((await applyUserEvent(em, event)) === 'ignored') this.logger.warn({ eventId: event.id, type: event.type }, 'user event ignored');
      // Teams (a manager line) are also held in each replica's memory (TeamDirectory) for up to FRESH_FOR_MS.
      else this.readCache.changedAgainAfter(event.tenantId, FRESH_FOR_MS);
    });
  }
}
