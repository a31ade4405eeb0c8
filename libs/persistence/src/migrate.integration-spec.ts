import { randomUUID } from 'node:crypto';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { createServiceDataSource, migrate } from './data-source';

class CreateWidgets1700000000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE widgets (id uuid PRIMARY KEY, name text NOT NULL)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE widgets`);
  }
}

class AddWidgetColour1700000000002 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE widgets ADD COLUMN colour text`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE widgets DROP COLUMN colour`);
  }
}

/**
 * Two replicas of a service started together (a Deployment rolled out with
 * replicas: 2, `docker compose up --scale`) both migrate the same fresh
 * schema at start: one must run the migrations and the other find them done,
 * neither may fail on the other's half-made tables.
 */
describe('migrations of two replicas starting together (PostgreSQL)', () => {
  const schema = `migrate_${randomUUID().slice(0, 6)}_${process.env.RAPPORT_TEST_RUN_ID}`;
  const replicas: DataSource[] = [];

  beforeAll(async () => {
    for (const name of ['a', 'b']) {
      const ds = createServiceDataSource({
        url: process.env.DATABASE_URL as string,
        schema,
        entities: [],
        migrations: [CreateWidgets1700000000001, AddWidgetColour1700000000002],
        poolSize: 2,
        applicationName: `rapport-test-migrate-${name}`,
      });
      await ds.initialize();
      replicas.push(ds);
    }
  });

  afterAll(async () => {
    await replicas[0]?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    for (const ds of replicas) await ds.destroy();
  });

  it('runs each migration once between them, and both start', async () => {
    const ran = await Promise.all(replicas.map((ds) => migrate(ds)));
    expect(ran.flat().sort()).toEqual(['AddWidgetColour1700000000002', 'CreateWidgets1700000000001']);
    const recorded: { name: string }[] = await replicas[0].query(`SELECT name FROM "${schema}".migrations ORDER BY name`);
    expect(recorded.map((r) => r.name)).toEqual(['AddWidgetColour1700000000002', 'CreateWidgets1700000000001']);
  });
});
