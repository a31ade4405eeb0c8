import type { TenantSnapshotV1 } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import { ensureDefaultPipeline } from '../pipelines/pipeline-store';
import { ensureStandardPriceBook } from '../products/price-book-store';

/**
 * A new tenant's default pipeline (with the standard stages) and standard
 * price book, on identity.tenant.created. The same functions still create
 * them on first use, for tenants from before this event was consumed; both
 * are idempotent, so the event and a first request may race.
 */
export async function prepareSalesTenant(em: EntityManager, tenant: TenantSnapshotV1): Promise<void> {
  await ensureDefaultPipeline(em, tenant.id);
  await ensureStandardPriceBook(em, tenant.id);
}
