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

/** `query` must already carry the filters; this adds ordering, the seek condition and the limit. */
export async function keysetPage<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  req: KeysetPageRequest & { cursorOf: (row: T) => [string | number, string] },
): Promise<KeysetPage<T>> {
  const totalCount = await query.clone().getCount();
  const page = query.clone();
  if (req.after) {
    const decoded = decodeCursor(req.after);
    if (!decoded) throw new InvalidCursorError();
    const op = req.direction === 'ASC' ? '>' : '<';
    page.andWhere(`(${req.sortColumn}, ${req.idColumn}) ${op} (:__sortValue, :__sortId)`, {
      __sortValue: decoded[0],
      __sortId: decoded[1],
    });
  }
  const rows = await page
    .orderBy(req.sortColumn, req.direction)
    .addOrderBy(req.idColumn, req.direction)
    .limit(req.first + 1)
    .getMany()
    .catch((err: unknown) => {
      // A well-formed cursor with values of the wrong kind (crafted, or from another list) fails as a data exception.
      if (req.after && isDataException(err)) throw new InvalidCursorError();
      throw err;
    });
  const hasNextPage = rows.length > req.first;
  const nodes = rows.slice(0, req.first);
  const edges = nodes.map((node) => ({ node, cursor: encodeCursor(...req.cursorOf(node)) }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: Boolean(req.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
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
