/**
 * The id of a compact outbox row (ADR 060, 061) in SQL: a UUID v7 of the
 * instant `at` (an SQL expression of type timestamptz) — its milliseconds,
 * version 7, variant, random rest (Postgres 15 has no uuidv7()). The events
 * a row stands for take their ids from it (derivedEventId), so they are v7
 * too and sort with the row.
 */
export const compactRowIdSql = (at: string) =>
  `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                PLACING substring(int8send(floor(extract(epoch FROM ${at}) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
                52, 1), 53, 1), 'hex')::uuid`;

/**
 * The data-modifying CTE body that stores changes as compact outbox rows
 * (ADR 060, 061): `from` (aliased `c`, numbered from 0 in `c.i`) is cut
 * into rows of `perRow` changes, each row `envelope` (an SQL json
 * expression over the group, `json_agg(… ORDER BY c.i)`) of `type`, for
 * tenant `$1`, created at `at` plus a microsecond per row so the rows keep
 * their order. Analytics' outbox is written here alone; the relay expands
 * each type with the expander of ANALYTICS_OUTBOX_EXPANDERS.
 */
export function compactOutboxRowsSql(p: { at: string; type: string; envelope: string; from: string; perRow: number }): string {
  return `INSERT INTO outbox (id, tenant_id, type, envelope, created_at)
  SELECT ${compactRowIdSql(p.at)}, $1, '${p.type}', ${p.envelope},
         ${p.at} + interval '1 microsecond' * (c.i / ${p.perRow})
    FROM ${p.from} c
   GROUP BY c.i / ${p.perRow}
  RETURNING 1`;
}
