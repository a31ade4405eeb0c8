import { DataSource, type EntitySchema, type MigrationInterface } from 'typeorm';

/** A decorated entity class. */
export type EntityClass = new (...args: never[]) => object;
export type MigrationClass = new () => MigrationInterface;

export interface ServiceDataSourceOptions {
  url: string;
  /** The service's own schema; nothing else touches it. */
  schema: string;
  entities: (EntityClass | EntitySchema)[];
  migrations: MigrationClass[];
  poolSize?: number;
  applicationName: string;
}

/**
 * One TypeORM data source per service, confined to the service's schema via
 * the connection's search_path, so migrations and raw SQL use unqualified
 * table names and the same code runs in any schema (tests give each run its
 * own). `synchronize` is never on: the schema comes from committed migrations.
 */
export function createServiceDataSource(opts: ServiceDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    schema: opts.schema,
    entities: opts.entities,
    migrations: opts.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    poolSize: opts.poolSize ?? 10,
    applicationName: opts.applicationName,
    extra: { options: `-c search_path=${quoteIdent(opts.schema)},public` },
  });
}

/** Creates the schema (if missing) and runs pending migrations; returns their names. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const schema = (dataSource.options as { schema: string }).schema;
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  const ran = await dataSource.runMigrations({ transaction: 'each' });
  return ran.map((m) => m.name);
}

export function quoteIdent(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
