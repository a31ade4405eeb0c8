import { randomBytes } from 'node:crypto';
import { createServiceDataSource, grantAppRole, migrate, TenantDatabase } from '@rapport/persistence';
import type { MigrationClass } from '@rapport/persistence';
import type { DataSource } from 'typeorm';

/**
 * A throwaway schema of this run for testing shared libraries without a
 * service: runs the given migrations, grants the app role, and drops the
 * schema on `drop()`.
 */
export async function scratchDatabase(
  name: string,
  migrations: MigrationClass[],
): Promise<{ dataSource: DataSource; tenantDb: TenantDatabase; schema: string; drop(): Promise<void> }> {
  const schema = `${name}_${randomBytes(3).toString('hex')}_${process.env.RAPPORT_TEST_RUN_ID}`;
  const dataSource = createServiceDataSource({
    url: process.env.DATABASE_URL as string,
    schema,
    entities: [],
    migrations,
    applicationName: `rapport-test-${name}`,
  });
  await dataSource.initialize();
  await migrate(dataSource);
  await grantAppRole(dataSource, schema, 'rapport_app');
  return {
    dataSource,
    tenantDb: new TenantDatabase(dataSource, 'rapport_app'),
    schema,
    async drop() {
      await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
}
