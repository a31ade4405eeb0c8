import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * Keyset (seek) pagination for Relay connections. The cursor encodes the
 * sort value and id of the last row seen, so a page costs an index range scan
 * however deep the client has paged, and rows inserted meanwhile neither
 * repeat nor vanish.
 */
export interface KeysetPageRequest {
  first: number;
  after?: string | null;
  /** SQL expression of the sort column, e.g. `c.last_name`. Must be NOT NULL. */
  sortColumn: string;
  /** SQL expression of the unique tie-breaker, e.g. `c.id`. */
  idColumn: string;
  direction: 'ASC' | 'DESC';
  /** Reads the sort value and id off an entity, to build each edge's cursor. */
  cursorOf: (row: never) => [string | number, string];
}

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
 * did not issue (InvalidCursorError).
 */
function seekAfter(req: { after?: string | null }): [string | number, string] | null {
  if (!req.after) return null;
  const decoded = decodeCursor(req.after);
  if (!decoded) throw new InvalidCursorError();
  return decoded;
}

const seekOperator = (direction: 'ASC' | 'DESC') => (direction === 'ASC' ? '>' : '<');

/** A well-formed cursor with values of the wrong kind (crafted, or from another list) fails as a data exception. */
function cursorFault(req: { after?: string | null }) {
  return (err: unknown): never => {
    if (req.after && isDataException(err)) throw new InvalidCursorError();
    throw err;
  };
}

function pageOf<Row, Node>(
  rows: Row[],
  totalCount: number,
  req: { first: number; after?: string | null; cursorOf: (row: Row) => [string | number, string] },
  map: (row: Row) => Node,
): KeysetPage<Node> {
  const edges = rows.slice(0, req.first).map((row) => ({ node: map(row), cursor: encodeCursor(...req.cursorOf(row)) }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: rows.length > req.first,
      hasPreviousPage: Boolean(req.after),
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
  const totalCount = await query.clone().getCount();
  const page = query.clone();
  const seek = seekAfter(req);
  if (seek) {
    page.andWhere(`(${req.sortColumn}, ${req.idColumn}) ${seekOperator(req.direction)} (:__sortValue, :__sortId)`, {
      __sortValue: seek[0],
      __sortId: seek[1],
    });
  }
  const rows = await page
    .orderBy(req.sortColumn, req.direction)
    .addOrderBy(req.idColumn, req.direction)
    .limit(req.first + 1)
    .getMany()
    .catch(cursorFault(req));
  return pageOf(rows, totalCount, req, (row) => row);
}

/** A plain-SQL list: `from` is everything after `SELECT … FROM` up to and including the filters (a WHERE clause). */
export interface SqlPageQuery<Row, Node> extends Omit<KeysetPageRequest, 'cursorOf'> {
  select: string;
  from: string;
  params: unknown[];
  /** Reads the sort value and id off a row (the row must carry both). */
  cursorOf: (row: Row) => [string | number, string];
  map: (row: Row) => Node;
}

/** keysetPage for plain SQL, for services and queries that read without repositories. */
export async function keysetSqlPage<Row, Node>(
  em: { query(sql: string, params: unknown[]): Promise<unknown> },
  q: SqlPageQuery<Row, Node>,
): Promise<KeysetPage<Node>> {
  const [{ n }] = (await em.query(`SELECT count(*)::int AS n FROM ${q.from}`, q.params)) as { n: number }[];
  const params = [...q.params];
  let seekSql = '';
  const seek = seekAfter(q);
  if (seek) {
    params.push(seek[0], seek[1]);
    seekSql = ` AND (${q.sortColumn}, ${q.idColumn}) ${seekOperator(q.direction)} ($${params.length - 1}, $${params.length})`;
  }
  params.push(q.first + 1);
  const rows = (await em
    .query(
      `SELECT ${q.select} FROM ${q.from}${seekSql} ORDER BY ${q.sortColumn} ${q.direction}, ${q.idColumn} ${q.direction} LIMIT $${params.length}`,
      params,
    )
    .catch(cursorFault(q))) as Row[];
  return pageOf(rows, n, q, q.map);
}

export class InvalidCursorError extends Error {
  constructor() {
    super('after is not a cursor returned by this connection');
  }
}

/** PostgreSQL's SQLSTATE class 22: a value that does not fit its column's type (bad date, bad uuid, overflow). */
export function isDataException(err: unknown): boolean {
  const code = (err as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  return typeof code === 'string' && code.startsWith('22');
}
