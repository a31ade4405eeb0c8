import { In, type EntityManager, type EntityTarget, type FindOptionsWhere } from 'typeorm';

/**
 * Rows by id in one query, keyed by id (ids that match nothing are absent):
 * what every batched loader needs. Runs in the caller's transaction, so a
 * tenant transaction only ever sees its own rows.
 */
export async function findByIds<T extends { id: string }>(
  em: EntityManager,
  entity: EntityTarget<T>,
  ids: readonly string[],
): Promise<Map<string, T>> {
  if (ids.length === 0) return new Map();
  const rows = await em.getRepository(entity).findBy({ id: In([...new Set(ids)]) } as FindOptionsWhere<T>);
  return new Map(rows.map((row) => [row.id, row]));
}
