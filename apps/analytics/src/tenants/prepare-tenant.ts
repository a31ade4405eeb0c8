import type { TenantSnapshotV1 } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import { DEFAULT_CLV_TIERS } from '../clv/clv-settings';

/**
 * A new tenant's RFM settings (the schema's default window, no reporting
 * currency) and CLV tiers (the defaults), on identity.tenant.created. Reads
 * still fall back to the same defaults for tenants without the rows; an
 * analyst's choice is never overwritten.
 */
export async function prepareAnalyticsTenant(em: EntityManager, tenant: TenantSnapshotV1): Promise<void> {
  await em.query(`INSERT INTO rfm_settings (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [tenant.id]);
  await em.query(`INSERT INTO clv_settings (tenant_id, tiers) VALUES ($1, $2::jsonb) ON CONFLICT (tenant_id) DO NOTHING`, [
    tenant.id,
    JSON.stringify(DEFAULT_CLV_TIERS),
  ]);
}
