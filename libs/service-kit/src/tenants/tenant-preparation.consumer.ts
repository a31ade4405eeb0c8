import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { TENANT_CREATED, type TenantCreatedV1 } from '@rapport/contracts';
import type { Logger } from '@rapport/observability';
import type { ServiceDefinition } from '../definition';
import { IdentityStream } from '../identity-stream';
import { LOGGER, SERVICE_DEFINITION } from '../tokens';

/**
 * Prepares what a service needs for a new tenant (its `prepareTenant`) when
 * identity.tenant.created arrives, in the inbox transaction of the event, so
 * a tenant is ready before its first request instead of on it. The durable
 * consumer starts from the stream's beginning, so a service deployed later
 * prepares the tenants created before it too. Preparation is idempotent, and
 * the services keep creating the same defaults on first use, for tenants
 * whose event left the stream's retention before the service learnt it.
 */
@Injectable()
export class TenantPreparationConsumer implements OnModuleInit {
  constructor(
    @Inject(SERVICE_DEFINITION) private readonly def: ServiceDefinition,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly identity: IdentityStream,
  ) {}

  async onModuleInit(): Promise<void> {
    const prepare = this.def.prepareTenant;
    if (!prepare) return;
    await this.identity.consume('tenants', [TENANT_CREATED], async (event, em) => {
      const { tenant } = (event as TenantCreatedV1).data;
      await prepare(em, tenant);
      this.logger.info({ tenantId: tenant.id, slug: tenant.slug }, 'tenant prepared');
    });
  }
}
