import { badUserInput } from '@rapport/auth';
import { decodeCursor, encodeCursor, isDataException, type KeysetPage } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

/**
 * Keyset pagination for plain-SQL lists (marketing reads its tables with
 * SQL, not repositories): `from` is everything after SELECT … FROM up to the
 * filters, sorted by a NOT NULL column with the id as tie-breaker.
 */
export async function sqlPage<Row, Node>(
  em: EntityManager,
  q: {
    select: string;
    from: string;
    params: unknown[];
    sortColumn: string;
    idColumn: string;
    direction: 'ASC' | 'DESC';
    first: number;
    after?: string | null;
    /** Reads the sort value and id off a row (the row must carry both). */
    cursorOf: (row: Row) => [string | number, string];
    map: (row: Row) => Node;
  },
): Promise<KeysetPage<Node>> {
  const [{ n }]: { n: number }[] = await em.query(`SELECT count(*)::int AS n FROM ${q.from}`, q.params);
  const params = [...q.params];
  let seek = '';
  if (q.after) {
    const decoded = decodeCursor(q.after);
    if (!decoded) throw badUserInput('after', 'not a cursor of this connection');
    params.push(decoded[0], decoded[1]);
    const op = q.direction === 'ASC' ? '>' : '<';
    seek = ` AND (${q.sortColumn}, ${q.idColumn}) ${op} ($${params.length - 1}, $${params.length})`;
  }
  params.push(q.first + 1);
  const rows: Row[] = await em
    .query(
      `SELECT ${q.select} FROM ${q.from}${seek} ORDER BY ${q.sortColumn} ${q.direction}, ${q.idColumn} ${q.direction} LIMIT $${params.length}`,
      params,
    )
    .catch((err: unknown) => {
      // A well-formed cursor with values of the wrong kind (crafted, or from another list) fails as a data exception, as in keysetPage.
      if (q.after && isDataException(err)) throw badUserInput('after', 'not a cursor of this connection');
      throw err;
    });
  const nodes = rows.slice(0, q.first);
  const edges = nodes.map((row) => ({ node: q.map(row), cursor: encodeCursor(...q.cursorOf(row)) }));
  return {
    edges,
    totalCount: n,
    pageInfo: {
      hasNextPage: rows.length > q.first,
      hasPreviousPage: Boolean(q.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
