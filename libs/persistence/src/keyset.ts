import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/*
 * Keyset (seek) pagination for Relay connections. The cursor encodes the
 * sort value and id of the last row seen, so a page costs an index range scan
 * however deep the client has paged, and rows inserted meanwhile neither
 * repeat nor vanish.
 */

/**
 * Which page: the `first` rows after the `after` cursor (forward), or the
 * `last` rows before the `before` cursor (backward), as Relay clients ask.
 * A page always comes in the list's order.
 */
export type PageWindow =
  | { first: number; after?: string | null; last?: undefined; before?: undefined }
  | { last: number; before?: string | null; first?: undefined; after?: undefined };

/** How a list is ordered: by a sort column, ties broken by id. */
export interface KeysetOrder {
  /** SQL expression of the sort column, e.g. `c.last_name`. Must be NOT NULL. */
  sortColumn: string;
  /** SQL expression of the unique tie-breaker, e.g. `c.id`. */
  idColumn: string;
  direction: 'ASC' | 'DESC';
}

export type KeysetPageRequest = PageWindow &
  KeysetOrder & {
    /** Reads the sort value and id off an entity, to build each edge's cursor. */
    cursorOf: (row: never) => [string | number, string];
  };

export interface KeysetPage<T> {
  edges: { node: T; cursor: string }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

export function encodeCursor(value: string | number, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

/** Returns null for a cursor that was not made by encodeCursor. */
export function decodeCursor(cursor: string): [string | number, string] | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      (typeof parsed[0] === 'string' || typeof parsed[0] === 'number') &&
      typeof parsed[1] === 'string'
    ) {
      return [parsed[0], parsed[1]];
    }
  } catch {
    /* fall through */
  }
  return null;
}

/**
 * The one keyset paginator, for both ways a service lists rows: a TypeORM
 * query builder (keysetPage) or plain SQL (keysetSqlPage). Both seek with
 * the same row comparison, order by sort column then id, fetch one row more
 * than asked to know whether another page follows, and refuse a cursor they
 * did not issue (InvalidCursorError). A backward page seeks and orders the
 * other way, then turns the rows round.
 */
interface Seek {
  /** The cursor's sort value and id, or null on the first page of either end. */
  from: [string | number, string] | null;
  /** The comparison of (sort, id) with the cursor, and the order to read in. */
  operator: '>' | '<';
  order: 'ASC' | 'DESC';
  size: number;
  backward: boolean;
}

function seekOf(req: PageWindow & { direction: 'ASC' | 'DESC' }): Seek {
  const backward = req.last !== undefined;
  const size = req.last ?? req.first ?? 0;
  const cursor = backward ? req.before : req.after;
  let from: [string | number, string] | null = null;
  if (cursor) {
    from = decodeCursor(cursor);
    if (!from) throw new InvalidCursorError(backward ? 'before' : 'after');
  }
  const ascending = (req.direction === 'ASC') !== backward;
  return { from, operator: ascending ? '>' : '<', order: ascending ? 'ASC' : 'DESC', size, backward };
}

/** A well-formed cursor with values of the wrong kind (crafted, or from another list) fails as a data exception. */
function cursorFault(seek: Seek) {
  return (err: unknown): never => {
    if (seek.from && isDataException(err)) throw new InvalidCursorError(seek.backward ? 'before' : 'after');
    throw err;
  };
}

function pageOf<Row, Node>(
  rows: Row[],
  totalCount: number,
  seek: Seek,
  cursorOf: (row: Row) => [string | number, string],
  map: (row: Row) => Node,
): KeysetPage<Node> {
  const more = rows.length > seek.size;
  const inOrder = seek.backward ? rows.slice(0, seek.size).reverse() : rows.slice(0, seek.size);
  const edges = inOrder.map((row) => ({ node: map(row), cursor: encodeCursor(...cursorOf(row)) }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: seek.backward ? seek.from !== null : more,
      hasPreviousPage: seek.backward ? more : seek.from !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** `query` must already carry the filters; this adds ordering, the seek condition and the limit. */
export async function keysetPage<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  req: KeysetPageRequest & { cursorOf: (row: T) => [string | number, string] },
): Promise<KeysetPage<T>> {
  const page = query.clone();
  const seek = seekOf(req);
  if (seek.from) {
    page.andWhere(`(${req.sortColumn}, ${req.idColumn}) ${seek.operator} (:__sortValue, :__sortId)`, {
      __sortValue: seek.from[0],
      __sortId: seek.from[1],
    });
  }
  const ordered = page
    .orderBy(req.sortColumn, seek.order)
    .addOrderBy(req.idColumn, seek.order)
    .limit(seek.size + 1);
  const rows = await ordered.getMany().catch(cursorFault(seek));
  const totalCount = firstPageHoldsAll(seek, rows) ? rows.length : await query.clone().getCount();
  return pageOf(rows, totalCount, seek, req.cursorOf, (row) => row);
}

/**
 * A first page (no cursor) that is not full holds every matching row, so its
 * length is the total and no count is needed: the usual case of a contact's
 * lists in the 360° query, one statement each. Otherwise the total is counted
 * apart (after the page, one statement at a time on the caller's connection):
 * a count reads the matching rows without sorting them, where a window total
 * (`count(*) OVER ()`) over a list of the whole tenant sorted every row before
 * the LIMIT (a first page of 100,000 orders read them all, lines included).
 */
function firstPageHoldsAll(seek: Seek, rows: readonly unknown[]): boolean {
  return seek.from === null && rows.length <= seek.size;
}

/** A plain-SQL list: `from` is everything after `SELECT … FROM` up to and including the filters (a WHERE clause). */
export type SqlPageQuery<Row, Node> = PageWindow &
  KeysetOrder & {
    select: string;
    from: string;
    params: unknown[];
    /** Reads the sort value and id off a row (the row must carry both). */
    cursorOf: (row: Row) => [string | number, string];
    map: (row: Row) => Node;
  };

/** keysetPage for plain SQL, for services and queries that read without repositories. */
export async function keysetSqlPage<Row, Node>(
  em: { query(sql: string, params: unknown[]): Promise<unknown> },
  q: SqlPageQuery<Row, Node>,
): Promise<KeysetPage<Node>> {
  const params = [...q.params];
  let seekSql = '';
  const seek = seekOf(q);
  if (seek.from) {
    params.push(seek.from[0], seek.from[1]);
    seekSql = ` AND (${q.sortColumn}, ${q.idColumn}) ${seek.operator} ($${params.length - 1}, $${params.length})`;
  }
  params.push(seek.size + 1);
  const rows = (await em
    .query(
      `SELECT ${q.select} FROM ${q.from}${seekSql} ORDER BY ${q.sortColumn} ${seek.order}, ${q.idColumn} ${seek.order} LIMIT $${params.length}`,
      params,
    )
    .catch(cursorFault(seek))) as Row[];
  const totalCount = firstPageHoldsAll(seek, rows)
    ? rows.length
    : ((await em.query(`SELECT count(*)::int AS n FROM ${q.from}`, q.params)) as { n: number }[])[0].n;
  return pageOf(rows, totalCount, seek, q.cursorOf, q.map);
}

export class InvalidCursorError extends Error {
  constructor(readonly field: 'after' | 'before' = 'after') {
    super(`${field} is not a cursor returned by this connection`);
  }
}

/** PostgreSQL's SQLSTATE class 22: a value that does not fit its column's type (bad date, bad uuid, overflow). */
export function isDataException(err: unknown): boolean {
  const code = (err as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  return typeof code === 'string' && code.startsWith('22');
}
