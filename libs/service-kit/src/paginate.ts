import { badUserInput } from '@rapport/auth';
import {
  InvalidCursorError,
  keysetPage,
  keysetSqlPage,
  type KeysetPage,
  type KeysetPageRequest,
  type PageWindow,
  type SqlPageQuery,
} from '@rapport/persistence';
import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { pageSize } from './validation';

/** The paging arguments every connection field takes. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/**
 * The window a connection's arguments ask for: `last` (with `before`) pages
 * backward, otherwise `first` (with `after`) forward. `first` usually has a
 * schema default, so `last` takes precedence over it; a cursor of the other
 * direction is the caller's mistake.
 */
export function pageWindow(args: PageArgs, opts = { default: 20, max: 100 }): PageWindow {
  if (args.last != null) {
    if (args.after != null) throw badUserInput('after', 'page backward with last and before, or forward with first and after');
    return { last: pageSize(args.last, opts, 'last'), before: args.before };
  }
  if (args.before != null) throw badUserInput('before', 'before pages backward: give last with it');
  return { first: pageSize(args.first, opts), after: args.after };
}

/** A cursor this connection did not issue is the caller's mistake: BAD_USER_INPUT on `after` or `before`. */
async function asCallerError<T>(page: () => Promise<T>): Promise<T> {
  try {
    return await page();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw badUserInput(err.field, err.message);
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
