import type { DataSource, EntityManager } from 'typeorm';
import { tellWritesAtCommit } from './committed-writes';
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
  private afterWrites: ((tenantId: string) => Promise<void>) | null = null;

  constructor(
    readonly dataSource: DataSource,
    private readonly tenantRole: string,
  ) {}

  /**
   * `listener` runs after every tenant transaction that wrote has committed,
   * and `withTenant` returns only when it has: the service tells the
   * gateways' read caches that the tenant changed (ADR 084) before anything
   * that follows the write — a consumer's acknowledgement, a mutation's
   * answer — can happen. It must not throw: the transaction has committed.
   */
  onCommittedWrites(listener: (tenantId: string) => Promise<void>): void {
    this.afterWrites = listener;
  }

  async withTenant<T>(tenantId: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (!UUID.test(tenantId)) throw new Error(`withTenant: tenant id ${JSON.stringify(tenantId)} is not a UUID`);
    const settings = `SELECT set_config('${TENANT_SETTING}', ${literal(tenantId)}, true), set_config('role', ${literal(this.tenantRole)}, true)`;
    const alone = () => this.transaction(tenantId, settings, work);
    // Fields of one GraphQL query share a read-only transaction (request-reads.ts); everything else has its own.
    const shared = currentRequestReads()?.transactionFor(this.dataSource, tenantId, settings);
    return shared ? shared.run(work, alone) : alone();
  }

  /**
   * A transaction whose START carries the tenant settings in the same
   * message: one round trip shorter than BEGIN and then the settings.
   */
  private async transaction<T>(tenantId: string, settings: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    const commit = tellWritesAtCommit(runner);
    startWith(runner, `START TRANSACTION; ${settings}`);
    let result: T;
    try {
      result = await runner.manager.transaction(work);
    } finally {
      await runner.release();
    }
    if (commit.wrote && this.afterWrites) await this.afterWrites(tenantId);
    return result;
  }

  async system<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}

/** A SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1: only quotes need doubling). */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
