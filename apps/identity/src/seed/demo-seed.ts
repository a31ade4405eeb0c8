import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import type { Logger } from '@rapport/observability';
import type { IdentityConfig } from '../identity.env';
import { TenantProvisioning } from '../tenants/tenant-provisioning.service';

export const DEMO_TENANT = 'demo';
export const DEMO_ADMIN_EMAIL = 'admin@demo.test';

/** With SEED_DEMO=true, makes sure the demo tenant and its admin exist (what `npm start` turns on). */
@Injectable()
export class DemoSeed implements OnApplicationBootstrap {
  constructor(
    private readonly provisioning: TenantProvisioning,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.SEED_DEMO) return;
    const tenant = await this.provisioning.ensure({
      slug: DEMO_TENANT,
      name: 'Demo Company',
      admin: { email: DEMO_ADMIN_EMAIL, displayName: 'Demo Admin', password: this.config.RAPPORT_DEMO_PASSWORD },
    });
    this.logger.info({ tenant: tenant.slug, admin: DEMO_ADMIN_EMAIL }, 'demo tenant ready');
  }
}
