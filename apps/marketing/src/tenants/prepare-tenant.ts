import type { TenantSnapshotV1 } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import { createDefaultMarketingSettings } from '../settings/marketing-settings';

/**
 * A new tenant's marketing settings (the default tier order, the schema's
 * default), on identity.tenant.created. Reads still fall back to the same
 * defaults for tenants without the row; an admin's choice is never overwritten.
 */
export async function prepareMarketingTenant(em: EntityManager, tenant: TenantSnapshotV1): Promise<void> {
  await createDefaultMarketingSettings(em, tenant.id);
}
