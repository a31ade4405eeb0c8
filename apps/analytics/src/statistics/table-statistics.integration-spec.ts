import { randomUUID } from 'node:crypto';
import { scratchDatabase } from '@rapport/testing';
import { analyticsDefinition } from '../analytics.definition';

/**
 * ADR 055: planner statistics after a bulk ingest. The service's roles own
 * no table, so their own ANALYZE is skipped (what happened before: a freshly
 * loaded tenant had no statistics until someone analyzed it as the owner);
 * analyze_stale_tables, lent by the owner, analyzes the stale tables it may.
 */
describe('analyze_stale_tables: statistics after a bulk ingest, as the service role', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  const tenantId = randomUUID();
  const ORDERS = 5_000;

  beforeAll(async () => {
    db = await scratchDatabase('analyze', analyticsDefinition.migrations);
  });
  afterAll(() => db?.drop());

  const stats = async () => {
    const [row]: { last_analyze: Date | null; reltuples: number }[] = await db.dataSource.query(
      `SELECT s.last_analyze, c.reltuples FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        WHERE s.schemaname = $1 AND s.relname = 'orders'`,
      [db.schema],
    );
    return row;
  };

  it('analyzes the orders after a bulk ingest, which the service role could not do itself', async () => {
    await db.tenantDb.withTenant(tenantId, (em) =>
      em.query(
        `INSERT INTO orders (id, tenant_id, source, external_order_id, contact_id, customer_contact_id, occurred_at, amount, currency, status)
         SELECT gen_random_uuid(), $1, 'bulk', i::text, NULL, NULL, now() - make_interval(days => i % 700), 10 + i % 90, 'EUR', 'PLACED'
           FROM generate_series(1, $2::int) i`,
        [tenantId, ORDERS],
      ),
    );
    // The old situation: the role's own ANALYZE is skipped (only the owner may), so the table has no statistics.
    await db.tenantDb.withTenant(tenantId, (em) => em.query(`ANALYZE orders`));
    expect(await stats()).toMatchObject({ last_analyze: null });

    const analyzed: string[] = (
      await db.tenantDb.withTenant(tenantId, (em) =>
        em.query(`SELECT analyze_stale_tables($1::text[], $2::bigint) AS a`, [['orders'], ORDERS]),
      )
    )[0].a;
    expect(analyzed).toEqual(['orders']);
    const after = await stats();
    expect(after.last_analyze).not.toBeNull();
    expect(after.reltuples).toBe(ORDERS);

    // Fresh statistics and a small write: nothing to do (autovacuum's rule, 50 + 10 % of the rows).
    const again: string[] = (
      await db.tenantDb.withTenant(tenantId, (em) => em.query(`SELECT analyze_stale_tables($1::text[], $2::bigint) AS a`, [['orders'], 10]))
    )[0].a;
    expect(again).toEqual([]);
  });

  it('analyzes only the tables it lists', async () => {
    await expect(
      db.tenantDb.withTenant(tenantId, (em) => em.query(`SELECT analyze_stale_tables($1::text[], 1)`, [['outbox']])),
    ).rejects.toThrow(/outbox is not a table it may analyze/);
  });
});
