import { randomUUID } from 'node:crypto';
import { TenantChanges, TenantGenerations } from '@rapport/messaging';
import { createLogger } from '@rapport/observability';
import { RequestReads, TenantDatabase, withRequestReads } from '@rapport/persistence';
import { loadServiceConfig, openDatabase, readAccessSettings, writeAccessSettings } from '@rapport/service-kit';
import Redis from 'ioredis';
import type { DataSource, EntityManager } from 'typeorm';
import { salesDefinition } from '../../apps/sales/src/sales.definition';

/**
 * A tenant transaction that wrote tells its service so after its commit and
 * before `withTenant` returns (libs/persistence/src/committed-writes.ts);
 * services then replace the tenant's read-cache generation in Redis
 * (ADR 080). Reads, rolled-back writes and a query's shared reads tell
 * nothing.
 */
describe('committed writes are told after their commit', () => {
  let ds: DataSource;
  let db: TenantDatabase;
  const told: { tenantId: string; committedRows: number }[] = [];
  let listener: (tenantId: string) => Promise<void>;

  const settings = (revision: number) => ({ revision, fieldAccess: [], sharing: [] });
  const storedRows = async (tenantId: string): Promise<number> =>
    Number((await ds.query(`SELECT count(*)::int AS n FROM tenant_access_settings WHERE tenant_id = $1`, [tenantId]))[0].n);

  beforeAll(async () => {
    const config = loadServiceConfig(salesDefinition, { ...process.env, RUN_MIGRATIONS: 'true' });
    ds = await openDatabase(salesDefinition, config, createLogger('sales', 'silent'));
    db = new TenantDatabase(ds, config.dbRoles.tenant);
    db.onCommittedWrites((tenantId) => listener(tenantId));
  });

  beforeEach(() => {
    told.length = 0;
    // What the listener sees from another connection: the write has committed.
    listener = async (tenantId) => {
      told.push({ tenantId, committedRows: await storedRows(tenantId) });
    };
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  it('a transaction that wrote is told once, with its tenant, after its commit', async () => {
    const tenant = randomUUID();
    await db.withTenant(tenant, (em) => writeAccessSettings(em, tenant, settings(1)));
    expect(told).toEqual([{ tenantId: tenant, committedRows: 1 }]);
  });

  it('withTenant returns only once the listener has finished', async () => {
    const tenant = randomUUID();
    let finished = false;
    listener = async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      finished = true;
    };
    await db.withTenant(tenant, (em) => writeAccessSettings(em, tenant, settings(1)));
    expect(finished).toBe(true);
  });

  it('reads tell nothing, alone or as the shared reads of a query', async () => {
    const tenant = randomUUID();
    await db.withTenant(tenant, (em) => readAccessSettings(em));
    const reads = new RequestReads();
    await withRequestReads(reads, async () => {
      reads.shareReads();
      try {
        await Promise.all([db.withTenant(tenant, (em) => readAccessSettings(em)), db.withTenant(tenant, (em) => readAccessSettings(em))]);
      } finally {
        await reads.finish();
      }
    });
    expect(told).toEqual([]);
  });

  it('a write rolled back tells nothing, and its error reaches the caller', async () => {
    const tenant = randomUUID();
    const failing = db.withTenant(tenant, async (em: EntityManager) => {
      await writeAccessSettings(em, tenant, settings(1));
      throw new Error('changed my mind');
    });
    await expect(failing).rejects.toThrow('changed my mind');
    expect(told).toEqual([]);
    expect(await storedRows(tenant)).toBe(0);
  });

  it('a transaction whose statement failed ends as a rollback without an error, as a plain COMMIT ends it, and tells nothing', async () => {
    const tenant = randomUUID();
    const outcome = await db.withTenant(tenant, async (em: EntityManager) => {
      await writeAccessSettings(em, tenant, settings(1));
      // Swallowed without a savepoint: the transaction is failed from here on.
      await em.query(`SELECT 1 / 0`).catch(() => undefined);
      return 'returned';
    });
    expect(outcome).toBe('returned');
    expect(told).toEqual([]);
    expect(await storedRows(tenant)).toBe(0);
  });

  it('a write inside a query request (it cannot share the read-only transaction) is told', async () => {
    const tenant = randomUUID();
    const reads = new RequestReads();
    await withRequestReads(reads, async () => {
      reads.shareReads();
      try {
        await db.withTenant(tenant, (em) => writeAccessSettings(em, tenant, settings(1)));
      } finally {
        await reads.finish();
      }
    });
    expect(told).toEqual([{ tenantId: tenant, committedRows: 1 }]);
  });

  it('replaces the tenant’s generation in Redis before withTenant returns, and never fails the write when Redis is away', async () => {
    const prefix = `committed-${randomUUID().slice(0, 8)}`;
    const redis = new Redis(process.env.REDIS_URL as string);
    const away = new Redis(process.env.REDIS_URL as string, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const logger = createLogger('sales', 'silent');
    const tenant = randomUUID();
    const key = new TenantGenerations(redis, prefix).key(tenant);
    try {
      const changes = new TenantChanges(new TenantGenerations(redis, prefix), logger);
      listener = (tenantId) => changes.changed(tenantId);
      await db.withTenant(tenant, (em) => writeAccessSettings(em, tenant, settings(1)));
      const first = await redis.get(key);
      expect(first).not.toBeNull();
      await db.withTenant(tenant, (em) => writeAccessSettings(em, tenant, settings(2)));
      const second = await redis.get(key);
      expect(second).not.toBe(first);
      await db.withTenant(tenant, (em) => readAccessSettings(em));
      expect(await redis.get(key)).toBe(second);

      // Not connected: the write commits and returns; the replacement is retried until Redis takes it.
      const unreachable = new TenantChanges(new TenantGenerations(away, prefix), logger);
      listener = (tenantId) => unreachable.changed(tenantId);
      await db.withTenant(tenant, (em) => writeAccessSettings(em, tenant, settings(3)));
      expect(await storedRows(tenant)).toBe(1);
      expect(unreachable.failing()).toBe(true);
      expect(await redis.get(key)).toBe(second);
      // The failed attempt itself set the lazy connection connecting; the retry gets through once it is up.
      if (away.status !== 'ready') await new Promise((resolve) => away.once('ready', resolve));
      for (let i = 0; i < 40 && unreachable.failing(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unreachable.failing()).toBe(false);
      expect(await redis.get(key)).not.toBe(second);
      unreachable.close();
      changes.close();
    } finally {
      await redis.del(key);
      redis.disconnect();
      away.disconnect();
    }
  });
});
