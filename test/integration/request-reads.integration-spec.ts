import { randomUUID } from 'node:crypto';
import { createLogger } from '@rapport/observability';
import { pgErrorCode, RequestReads, TenantDatabase, withRequestReads } from '@rapport/persistence';
import { loadServiceConfig, openDatabase, readAccessSettings, writeAccessSettings } from '@rapport/service-kit';
import type { DataSource, EntityManager } from 'typeorm';
import { salesDefinition } from '../../apps/sales/src/sales.definition';

/** What a tenant transaction reports about itself. */
async function whoAmI(em: EntityManager): Promise<{ pid: number; startedAt: string; readOnly: string; tenant: string }> {
  const [row] = await em.query(
    `SELECT pg_backend_pid() AS pid, transaction_timestamp()::text AS "startedAt",
            current_setting('transaction_read_only') AS "readOnly", current_setting('rapport.tenant_id') AS tenant`,
  );
  return row;
}

/**
 * The fields of one GraphQL query share one read-only tenant transaction
 * (libs/persistence/src/request-reads.ts); a write, a failure or another
 * tenant never rides on it, and it ends with the request.
 */
describe('one read-only transaction per query request', () => {
  let ds: DataSource;
  let db: TenantDatabase;
  const tenant = randomUUID();

  beforeAll(async () => {
    const config = loadServiceConfig(salesDefinition, { ...process.env, RUN_MIGRATIONS: 'true' });
    ds = await openDatabase(salesDefinition, config, createLogger('sales', 'silent'));
    db = new TenantDatabase(ds, config.dbRoles.tenant);
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  /** Runs `fields` as the fields of one query request would: concurrently, inside its RequestReads. */
  async function queryRequest<T>(fields: () => Promise<T>, share = true): Promise<T> {
    const reads = new RequestReads();
    return withRequestReads(reads, async () => {
      if (share) reads.shareReads();
      try {
        return await fields();
      } finally {
        await reads.finish();
      }
    });
  }

  it('fields of a query read in one read-only transaction, under their tenant', async () => {
    const [a, b, c] = await queryRequest(() =>
      Promise.all([db.withTenant(tenant, whoAmI), db.withTenant(tenant, whoAmI), db.withTenant(tenant, whoAmI)]),
    );
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a).toMatchObject({ readOnly: 'on', tenant });
  });

  it('without sharing (a mutation) each unit of work has its own read-write transaction', async () => {
    const [a, b] = await queryRequest(async () => [await db.withTenant(tenant, whoAmI), await db.withTenant(tenant, whoAmI)], false);
    expect(a.startedAt).not.toBe(b.startedAt);
    expect(a.readOnly).toBe('off');
  });

  it('another tenant in the same request gets a transaction of its own', async () => {
    const other = randomUUID();
    const [mine, theirs] = await queryRequest(() => Promise.all([db.withTenant(tenant, whoAmI), db.withTenant(other, whoAmI)]));
    expect(mine.tenant).toBe(tenant);
    expect(theirs).toMatchObject({ tenant: other, readOnly: 'off' });
  });

  it('a write during a query runs alone and is kept', async () => {
    const revision = 1 + Math.floor(Math.random() * 1_000_000);
    const stored = await queryRequest(async () => {
      await db.withTenant(tenant, whoAmI);
      return db.withTenant(tenant, (em) => writeAccessSettings(em, tenant, { revision, fieldAccess: [], sharing: [] }));
    });
    expect(stored).toBe(true);
    expect((await db.withTenant(tenant, readAccessSettings)).revision).toBe(revision);
  });

  it('a field whose statement fails gets its own error; its siblings still answer', async () => {
    const [failed, sibling, later] = await queryRequest(async () => {
      const failing = db
        .withTenant(tenant, (em) => em.query(`SELECT 1 / 0`))
        .then(
          () => 'no error',
          (err) => pgErrorCode(err),
        );
      const sibling = db.withTenant(tenant, whoAmI);
      const results = await Promise.all([failing, sibling]);
      return [...results, await db.withTenant(tenant, whoAmI)] as const;
    });
    expect(failed).toBe('22012');
    expect(sibling.tenant).toBe(tenant);
    expect(later.tenant).toBe(tenant);
  });

  it('the shared transaction ends with the request: no connection is left in a transaction', async () => {
    await queryRequest(() => Promise.all([db.withTenant(tenant, whoAmI), db.withTenant(tenant, whoAmI)]));
    const [{ idle }] = await ds.query(
      `SELECT count(*)::int AS idle FROM pg_stat_activity
        WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND application_name = $1`,
      [(await ds.query(`SELECT current_setting('application_name') AS n`))[0].n],
    );
    expect(idle).toBe(0);
  });
});
