import { randomUUID } from 'node:crypto';
import { scratchDatabase } from '@rapport/testing';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantRls, serviceRoles } from '@rapport/persistence';

class Notes1700000000000 implements MigrationInterface {
  name = 'Notes1700000000000';
  async up(q: QueryRunner) {
    await q.query(`CREATE TABLE notes (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, body text NOT NULL)`);
    await enableTenantRls(q, 'notes');
  }
  async down() {
    /* throwaway schema: dropped whole */
  }
}

/** Row-level security holds even for queries that forget the tenant filter. */
describe('tenant row-level security', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  const tenantA = randomUUID();
  const tenantB = randomUUID();

  beforeAll(async () => {
    db = await scratchDatabase('rls', [Notes1700000000000]);
    await db.tenantDb.withTenant(tenantA, (em) =>
      em.query(`INSERT INTO notes VALUES ($1, $2, 'a1'), ($3, $2, 'a2')`, [randomUUID(), tenantA, randomUUID()]),
    );
    await db.tenantDb.withTenant(tenantB, (em) => em.query(`INSERT INTO notes VALUES ($1, $2, 'b1')`, [randomUUID(), tenantB]));
  });

  afterAll(() => db?.drop());

  it('a query without WHERE tenant_id sees only its tenant', async () => {
    const rows = await db.tenantDb.withTenant(tenantA, (em) => em.query(`SELECT body FROM notes ORDER BY body`));
    expect(rows.map((r: { body: string }) => r.body)).toEqual(['a1', 'a2']);
    const count = await db.tenantDb.withTenant(tenantB, (em) => em.query(`SELECT count(*)::int AS n FROM notes`));
    expect(count[0].n).toBe(1);
  });

  it('cannot write rows of another tenant, nor update or delete them', async () => {
    await expect(
      db.tenantDb.withTenant(tenantA, (em) => em.query(`INSERT INTO notes VALUES ($1, $2, 'sneaky')`, [randomUUID(), tenantB])),
    ).rejects.toThrow(/row-level security/);
    const updated = await db.tenantDb.withTenant(tenantA, (em) => em.query(`UPDATE notes SET body = 'x' WHERE body = 'b1' RETURNING id`));
    expect(updated[0]).toHaveLength(0);
    const deleted = await db.tenantDb.withTenant(tenantA, (em) => em.query(`DELETE FROM notes RETURNING id`));
    expect(deleted[0]).toHaveLength(2);
    const bRows = await db.tenantDb.withTenant(tenantB, (em) => em.query(`SELECT body FROM notes`));
    expect(bRows).toEqual([{ body: 'b1' }]);
  });

  it('the tenant setting and role end with the transaction', async () => {
    const [{ role, tenant }] = await db.dataSource.query(
      `SELECT current_user AS role, current_setting('rapport.tenant_id', true) AS tenant`,
    );
    expect(role).not.toBe(serviceRoles('scratch').tenant);
    expect(tenant ?? '').toBe('');
  });

  it('refuses a tenant id that is not a UUID', async () => {
    await expect(db.tenantDb.withTenant("x' OR '1'='1", async () => 1)).rejects.toThrow(/not a UUID/);
  });
});
