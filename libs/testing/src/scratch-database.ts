import { randomBytes } from 'node:crypto';
import { createServiceDataSource, ensureServiceRoles, migrate, serviceRoles, TenantDatabase } from '@rapport/persistence';
import type { MigrationClass } from '@rapport/persistence';
import type { DataSource } from 'typeorm';

/**
 * A throwaway schema of this run for testing shared libraries without a
 * service: runs the given migrations, grants the scratch roles (shared by
 * every scratch schema, like a service's roles by every run's schemas), and
 * drops the schema on `drop()`. `dataSource` is the owner's, as in a
 * migration; `tenantDb` switches to the tenant role as a service does.
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
  const roles = serviceRoles('scratch');
  await ensureServiceRoles(dataSource, schema, roles);
  return {
    dataSource,
    tenantDb: new TenantDatabase(dataSource, roles.tenant),
    schema,
    async drop() {
      await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
}
