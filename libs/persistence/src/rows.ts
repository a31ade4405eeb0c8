/**
 * Rows of a raw `UPDATE/DELETE … RETURNING` through TypeORM, which on
 * Postgres answers `[rows, affectedCount]` instead of the rows themselves.
 */
export function returnedRows<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return Array.isArray(result) ? (result as T[]) : [];
}
