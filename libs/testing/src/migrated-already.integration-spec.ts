import { randomBytes } from 'node:crypto';
import { createServiceDataSource, migrate } from '@rapport/persistence';
import type { PlatformConfig, ServiceDefinition } from '@rapport/service-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migratedAlready } from './migrated-already';

class FirstTable1700000000001 implements MigrationInterface {
  name = 'FirstTable1700000000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE first_table (id int)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`SELECT 1`);
  }
}

/** Named by its class, as TypeORM then names it too. */
class SecondTable1700000000002 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE second_table (id int)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`SELECT 1`);
  }
}

/** The harness skips a start's migrations only when the schema records them all (ADR 088). */
describe('migratedAlready', () => {
  const schema = `migrated_${randomBytes(3).toString('hex')}_${process.env.RAPPORT_TEST_RUN_ID}`;
  const config = { DATABASE_URL: process.env.DATABASE_URL, DATABASE_OWNER_URL: '', dbSchema: schema } as PlatformConfig;
  const withMigrations = (migrations: ServiceDefinition['migrations']) => ({ migrations }) as ServiceDefinition;
  const run = async (migrations: ServiceDefinition['migrations']) => {
    const ds = createServiceDataSource({
      url: process.env.DATABASE_URL as string,
      schema,
      entities: [],
      migrations,
      applicationName: 'migrated-already',
    });
    await ds.initialize();
    try {
      await migrate(ds);
    } finally {
      await ds.destroy();
    }
  };

  afterAll(async () => {
    const ds = createServiceDataSource({
      url: process.env.DATABASE_URL as string,
      schema,
      entities: [],
      migrations: [],
      applicationName: 'migrated-already',
    });
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds.destroy();
  });

  it('is false for a missing schema and for one migration short, true once all are recorded', async () => {
    const both = withMigrations([FirstTable1700000000001, SecondTable1700000000002]);
    expect(await migratedAlready(both, config)).toBe(false);
    await run([FirstTable1700000000001]);
    expect(await migratedAlready(withMigrations([FirstTable1700000000001]), config)).toBe(true);
    expect(await migratedAlready(both, config)).toBe(false);
    await run([FirstTable1700000000001, SecondTable1700000000002]);
    expect(await migratedAlready(both, config)).toBe(true);
  });
});
