import type { DataSource, EntityManager } from 'typeorm';
import { currentRequestReads, startWith } from './request-reads';
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
    const settings = `SELECT set_config('${TENANT_SETTING}', ${literal(tenantId)}, true), set_config('role', ${literal(this.tenantRole)}, true)`;
    const alone = () => this.transaction(settings, work);
    // Fields of one GraphQL query share a read-only transaction (request-reads.ts); everything else has its own.
    const shared = currentRequestReads()?.transactionFor(this.dataSource, tenantId, settings);
    return shared ? shared.run(work, alone) : alone();
  }

  /**
   * A transaction whose START carries the tenant settings in the same
   * message: one round trip shorter than BEGIN and then the settings.
   */
  private async transaction<T>(settings: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      startWith(runner, `START TRANSACTION; ${settings}`);
      return await runner.manager.transaction(work);
    } finally {
      await runner.release();
    }
  }

  async system<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}

/** A SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1: only quotes need doubling). */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
