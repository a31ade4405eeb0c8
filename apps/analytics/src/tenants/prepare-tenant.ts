import type { TenantSnapshotV1 } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import { createDefaultClvSettings } from '../clv/clv-settings';
import { createDefaultRfmSettings } from '../rfm/rfm-settings';

/**
 * A new tenant's RFM settings (the schema's default window, no reporting
 * currency) and CLV tiers (the defaults), on identity.tenant.created. Reads
 * still fall back to the same defaults for tenants without the rows; an
 * analyst's choice is never overwritten.
 */
export async function prepareAnalyticsTenant(em: EntityManager, tenant: TenantSnapshotV1): Promise<void> {
  await createDefaultRfmSettings(em, tenant.id);
  await createDefaultClvSettings(em, tenant.id);
}
