import { badUserInput } from '@rapport/auth';
import {
  InvalidCursorError,
  keysetPage,
  keysetSqlPage,
  type KeysetPage,
  type KeysetPageRequest,
  type SqlPageQuery,
} from '@rapport/persistence';
import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** A cursor this connection did not issue is the caller's mistake: BAD_USER_INPUT on `after`. */
async function asCallerError<T>(page: () => Promise<T>): Promise<T> {
  try {
    return await page();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw badUserInput('after', err.message);
    throw err;
  }
}

/** keysetPage for API callers, over a TypeORM query builder carrying the filters. */
export function paginate<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  req: KeysetPageRequest & { cursorOf: (row: T) => [string | number, string] },
): Promise<KeysetPage<T>> {
  return asCallerError(() => keysetPage(query, req));
}

/** keysetSqlPage for API callers, over plain SQL (see SqlPageQuery). */
export function paginateSql<Row, Node>(em: EntityManager, q: SqlPageQuery<Row, Node>): Promise<KeysetPage<Node>> {
  return asCallerError(() => keysetSqlPage(em, q));
}
