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

/**
 * Creates the schema (if missing) and runs pending migrations; returns their
 * names. Replicas started together (a Deployment without the migration Job,
 * `docker compose up --scale`) take turns under an advisory lock on the
 * schema's name, held on a connection of its own (the data source needs a
 * pool of at least 2): the first migrates, the next finds nothing pending
 * instead of failing on half-made tables. `underTheLock` runs before the lock
 * is let go, for set-up that must not overlap another replica's either
 * (granting the service's roles).
 */
export async function migrate(dataSource: DataSource, underTheLock?: () => Promise<void>): Promise<string[]> {
  const schema = (dataSource.options as { schema: string }).schema;
  const key = `rapport-migrate:${schema}`;
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext($1))`, [key]);
    try {
      await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      await underTheLock?.();
      return ran.map((m) => m.name);
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(hashtext($1))`, [key]);
    }
  } finally {
    await lock.release();
  }
}

/** Startup options are split on spaces; a role name that needs more than a plain identifier is refused rather than quoted. */
function roleOption(role: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error(`role ${JSON.stringify(role)} is not a lower-case SQL identifier`);
  return role;
}

export function quoteIdent(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
