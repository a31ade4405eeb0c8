import type { DataSource, EntityManager } from 'typeorm';
import { TENANT_SETTING } from './tenant-security';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The only way services reach their tables. `withTenant` opens a transaction
 * that (1) sets the tenant for row-level security and (2) drops to the
 * service's tenant role (no BYPASSRLS, owns nothing), so even a query that
 * forgets `WHERE tenant_id = …` sees and writes only that tenant's rows.
 * `system` is for cross-tenant infrastructure (outbox relay, timers, seeding)
 * and runs as the service's runtime role, which bypasses RLS but reaches only
 * its own schema (docs/adr/026-least-privilege-database-roles.md).
 */
export class TenantDatabase {
  constructor(
    readonly dataSource: DataSource,
    private readonly tenantRole: string,
  ) {}

  async withTenant<T>(tenantId: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (!UUID.test(tenantId)) throw new Error(`withTenant: tenant id ${JSON.stringify(tenantId)} is not a UUID`);
    return this.dataSource.transaction(async (em) => {
      // One round trip for both: set_config('role', …, true) is SET LOCAL ROLE.
      await em.query(`SELECT set_config('${TENANT_SETTING}', $1, true), set_config('role', $2, true)`, [tenantId, this.tenantRole]);
      return work(em);
    });
  }

  async system<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
