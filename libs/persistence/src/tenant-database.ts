import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
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
    const runner = this.dataSource.createQueryRunner();
    try {
      startWithSettings(
        runner,
        `SELECT set_config('${TENANT_SETTING}', ${literal(tenantId)}, true), set_config('role', ${literal(this.tenantRole)}, true)`,
      );
      return await runner.manager.transaction(work);
    } finally {
      await runner.release();
    }
  }

  async system<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}

/**
 * Sends the transaction's settings with TypeORM's `START TRANSACTION`, as one
 * simple-protocol message: every tenant transaction is one round trip to the
 * database shorter than BEGIN and then the settings (a read of one row was
 * four round trips, now three). TypeORM still does its own bookkeeping
 * (transaction depth, commit, rollback); only the text of its first
 * statement on this runner grows. The settings must be literals (a
 * multi-statement message takes no parameters): callers quote them.
 */
function startWithSettings(runner: QueryRunner, settings: string): void {
  const query = runner.query.bind(runner);
  runner.query = ((sql: string, parameters?: unknown[], ...rest: unknown[]) => {
    if (sql !== 'START TRANSACTION') return (query as (...args: unknown[]) => Promise<unknown>)(sql, parameters, ...rest);
    runner.query = query;
    return query(`START TRANSACTION; ${settings}`);
  }) as QueryRunner['query'];
}

/** A SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1: only quotes need doubling). */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
