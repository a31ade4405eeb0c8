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
