import type { TenantSnapshotV1 } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';

/**
 * A new tenant's marketing settings (the default tier order, the schema's
 * default), on identity.tenant.created. Reads still fall back to the same
 * defaults for tenants without the row; an admin's choice is never overwritten.
 */
export async function prepareMarketingTenant(em: EntityManager, tenant: TenantSnapshotV1): Promise<void> {
  await em.query(`INSERT INTO marketing_settings (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [tenant.id]);
}
