import { quoteIdent } from '@rapport/persistence';
import type { PlatformConfig, ServiceDefinition } from '@rapport/service-kit';
import { Client } from 'pg';

/** Postgres: the schema, or its migrations table, does not exist yet. */
const NOT_THERE = new Set(['3F000', '42P01']);

/**
 * Whether the service's schema already records every one of its migrations.
 * A run's schemas are migrated (and the service's roles granted on them) by
 * the first start in the run; every later start of some 70 files found
 * nothing to do, on an owner pool of its own, under the advisory lock, and
 * re-granted the same rights: about a fifth of a platform start (ADR 088).
 * One query answers it instead.
 */
export async function migratedAlready(def: ServiceDefinition, config: PlatformConfig): Promise<boolean> {
  // As TypeORM names them: the instance's `name`, else the class's.
  const names = def.migrations.map((migration) => new migration().name ?? migration.name);
  const client = new Client({ connectionString: config.DATABASE_OWNER_URL || config.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(`SELECT name FROM ${quoteIdent(config.dbSchema)}.migrations`).catch((err) => {
      if (NOT_THERE.has((err as { code?: string }).code ?? '')) return { rows: [] };
      throw err;
    });
    const recorded = new Set(rows.map((row) => row.name));
    return names.every((name) => recorded.has(name));
  } finally {
    await client.end();
  }
}
