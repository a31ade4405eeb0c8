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
  /**
   * Role every connection switches to at login (`-c role=…`): the service's
   * runtime role when the URL logs in as someone else, e.g. the superuser of
   * a development machine. A connection can RESET ROLE back to its login, so
   * in production the URL is the runtime role's own login.
   */
  role?: string;
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
    // Both are startup parameters, so every pooled connection has them from its first query on.
    extra: { options: `-c search_path=${quoteIdent(opts.schema)},public${opts.role ? ` -c role=${roleOption(opts.role)}` : ''}` },
  });
}

/** Creates the schema (if missing) and runs pending migrations; returns their names. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const schema = (dataSource.options as { schema: string }).schema;
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  const ran = await dataSource.runMigrations({ transaction: 'each' });
  return ran.map((m) => m.name);
}

/** Startup options are split on spaces; a role name that needs more than a plain identifier is refused rather than quoted. */
function roleOption(role: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error(`role ${JSON.stringify(role)} is not a lower-case SQL identifier`);
  return role;
}

export function quoteIdent(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
