import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';

/** A cell for `copyRows`: null is SQL NULL; everything else is written as text. */
export type CopyCell = string | number | boolean | null;

/**
 * COPY `rows` into `table (columns)` on the connection of `em`'s
 * transaction (so under its tenant and role, and committed or rolled back
 * with it), in Postgres' text format. The fastest way to hand many rows to
 * Postgres: no statement per row, no JSON to parse on the server.
 */
export async function copyRows(
  em: EntityManager,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyCell[]>,
): Promise<void> {
  const client = (em.queryRunner as unknown as { databaseConnection?: PoolClient } | undefined)?.databaseConnection;
  if (!client) throw new Error('copyRows needs an EntityManager inside a transaction (withTenant or system)');
  const lines = function* () {
    let chunk = '';
    for (const row of rows) {
      chunk += row.map(copyText).join('\t') + '\n';
      if (chunk.length > 65_536) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  };
  await pipeline(Readable.from(lines()), client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)));
}

/** One value in COPY's text format: \N for NULL, backslash, tab, newline and carriage return escaped. */
export function copyText(value: CopyCell): string {
  if (value === null) return '\\N';
  return String(value).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}
