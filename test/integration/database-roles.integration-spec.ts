import { randomUUID } from 'node:crypto';
import { createLogger } from '@rapport/observability';
import {
  createServiceDataSource,
  ensureServiceRoles,
  PG_INSUFFICIENT_PRIVILEGE,
  pgErrorCode,
  serviceRoles,
  TenantDatabase,
} from '@rapport/persistence';
import { loadServiceConfig, openDatabase, type ServiceDefinition } from '@rapport/service-kit';
import { scratchDatabase } from '@rapport/testing';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { DataSource } from 'typeorm';
import { identityDefinition } from '../../apps/identity/src/identity.definition';
import { marketingDefinition } from '../../apps/marketing/src/marketing.definition';
import { salesDefinition } from '../../apps/sales/src/sales.definition';

/** What every refusal below must be: not a missing table or a syntax error. */
const DENIED = PG_INSUFFICIENT_PRIVILEGE;

async function refused(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
  } catch (error) {
    return pgErrorCode(error);
  }
  return 'not refused';
}

function runtimeLogin(def: ServiceDefinition): string {
  const login = new URL(process.env.DATABASE_URL as string);
  login.username = serviceRoles(def.name).runtime;
  // Set as the role's password by the migration (the owner here is a superuser); ignored where local logins are trusted.
  login.password = 'rapport-test-runtime';
  return login.toString();
}

/**
 * Each service logs in as its own runtime role, as in production (docker/,
 * k8s/): DATABASE_URL names rapport_<service>, DATABASE_OWNER_URL the owner
 * that migrates and grants (docs/adr/026-least-privilege-database-roles.md).
 */
async function openAsService(def: ServiceDefinition): Promise<{ ds: DataSource; schema: string; tenantDb: TenantDatabase }> {
  const config = loadServiceConfig(def, {
    ...process.env,
    DATABASE_URL: runtimeLogin(def),
    DATABASE_OWNER_URL: process.env.DATABASE_URL as string,
    RUN_MIGRATIONS: 'true',
  });
  const ds = await openDatabase(def, config, createLogger(def.name, 'silent'));
  return { ds, schema: config.dbSchema, tenantDb: new TenantDatabase(ds, config.dbRoles.tenant) };
}

describe('least privilege in the database', () => {
  let identity: Awaited<ReturnType<typeof openAsService>>;
  let sales: Awaited<ReturnType<typeof openAsService>>;
  let marketing: Awaited<ReturnType<typeof openAsService>>;

  beforeAll(async () => {
    identity = await openAsService(identityDefinition);
    sales = await openAsService(salesDefinition);
    marketing = await openAsService(marketingDefinition);
  });

  afterAll(async () => {
    for (const s of [identity, sales, marketing]) await s?.ds.destroy();
  });

  it('each service runs as its own role, which is no superuser and owns nothing', async () => {
    const [me] = await sales.ds.query(
      `SELECT current_user AS role, r.rolsuper AS super,
              (SELECT count(*)::int FROM pg_class c WHERE pg_get_userbyid(c.relowner) = current_user) AS owned
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(me).toEqual({ role: 'rapport_sales', super: false, owned: 0 });
  });

  it("sales' role cannot read identity's signing keys nor marketing's link secret", async () => {
    expect(await refused(sales.ds.query(`SELECT * FROM "${identity.schema}".signing_keys`))).toBe(DENIED);
    expect(await refused(sales.ds.query(`SELECT * FROM "${identity.schema}".users`))).toBe(DENIED);
    expect(await refused(sales.ds.query(`SELECT secret FROM "${marketing.schema}".link_secrets`))).toBe(DENIED);
    // Nor inside a tenant transaction, as its tenant role.
    const inTenant = sales.tenantDb.withTenant(randomUUID(), (em) => em.query(`SELECT * FROM "${identity.schema}".signing_keys`));
    expect(await refused(inTenant)).toBe(DENIED);
  });

  it('and the other way round: neither identity nor marketing reaches sales', async () => {
    expect(await refused(identity.ds.query(`SELECT * FROM "${sales.schema}".contacts`))).toBe(DENIED);
    expect(await refused(marketing.ds.query(`SELECT * FROM "${identity.schema}".signing_keys`))).toBe(DENIED);
  });

  it("cannot become another service's role, nor the shared role of before", async () => {
    for (const role of ['rapport_identity', 'rapport_identity_tenant', 'rapport_marketing']) {
      expect(await refused(sales.ds.query(`SET ROLE ${role}`))).toBe(DENIED);
    }
    const [{ legacy }] = await sales.ds.query(`SELECT count(*)::int AS legacy FROM pg_roles WHERE rolname = 'rapport_app'`);
    if (legacy) expect(await refused(sales.ds.query(`SET ROLE rapport_app`))).toBe(DENIED);
  });

  it('reads and writes its own tables, but changes no schema', async () => {
    const [{ n }] = await sales.ds.query(`SELECT count(*)::int AS n FROM contacts`);
    expect(n).toBeGreaterThanOrEqual(0);
    expect(await refused(sales.ds.query(`CREATE TABLE sneaky (id int)`))).toBe(DENIED);
    // `contacts` is the view of live rows over `contacts_all` (ADR 037): neither can be dropped or opened up.
    expect(await refused(sales.ds.query(`DROP TABLE contacts_all`))).toBe(DENIED);
    expect(await refused(sales.ds.query(`DROP VIEW contacts`))).toBe(DENIED);
    expect(await refused(sales.ds.query(`ALTER TABLE contacts_all DISABLE ROW LEVEL SECURITY`))).toBe(DENIED);
  });

  it('refuses to migrate as the runtime role, naming the owner URL it needs', async () => {
    const config = loadServiceConfig(salesDefinition, {
      ...process.env,
      DATABASE_URL: runtimeLogin(salesDefinition),
      RUN_MIGRATIONS: 'true',
    });
    await expect(openDatabase(salesDefinition, config, createLogger('sales', 'silent'))).rejects.toThrow(
      expect.objectContaining({ code: 'DATABASE_ROLES', message: expect.stringContaining('DATABASE_OWNER_URL') }),
    );
  });
});

class Entries1700000000000 implements MigrationInterface {
  name = 'Entries1700000000000';
  async up(q: QueryRunner) {
    await q.query(`CREATE TABLE entries (id uuid PRIMARY KEY, body text NOT NULL)`);
    await q.query(`CREATE TABLE notes (id uuid PRIMARY KEY, body text NOT NULL)`);
  }
  async down() {
    /* throwaway schema: dropped whole */
  }
}

describe('append-only tables', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let runtime: DataSource;
  const roles = serviceRoles('scratch');

  beforeAll(async () => {
    db = await scratchDatabase('appendonly', [Entries1700000000000]);
    await ensureServiceRoles(db.dataSource, db.schema, roles, { appendOnlyTables: ['entries'] });
    // The grant step runs at every start: running it again must not give UPDATE back.
    await ensureServiceRoles(db.dataSource, db.schema, roles, { appendOnlyTables: ['entries'] });
    runtime = createServiceDataSource({
      url: process.env.DATABASE_URL as string,
      schema: db.schema,
      entities: [],
      migrations: [],
      poolSize: 1,
      applicationName: 'rapport-test-append-only',
      role: roles.runtime,
    });
    await runtime.initialize();
  });

  afterAll(async () => {
    await runtime?.destroy();
    await db?.drop();
  });

  it('the service role may insert and read an append-only table, never update or delete it', async () => {
    const id = randomUUID();
    await runtime.query(`INSERT INTO entries VALUES ($1, 'first')`, [id]);
    expect(await runtime.query(`SELECT body FROM entries WHERE id = $1`, [id])).toEqual([{ body: 'first' }]);
    expect(await refused(runtime.query(`UPDATE entries SET body = 'changed'`))).toBe(DENIED);
    expect(await refused(runtime.query(`DELETE FROM entries`))).toBe(DENIED);
    expect(await refused(runtime.query(`TRUNCATE entries`))).toBe(DENIED);
  });

  it('other tables keep full DML', async () => {
    const id = randomUUID();
    await runtime.query(`INSERT INTO notes VALUES ($1, 'a')`, [id]);
    await runtime.query(`UPDATE notes SET body = 'b' WHERE id = $1`, [id]);
    await runtime.query(`DELETE FROM notes WHERE id = $1`, [id]);
  });
});
