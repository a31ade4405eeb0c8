import { randomUUID } from 'node:crypto';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { InvalidCursorError, keysetPage, keysetSqlPage, type KeysetPage, type PageWindow } from './keyset';

@Entity({ name: 'items' })
class Item {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('int')
  rank!: number;
}

/**
 * Paging forward and backward through the same list, with the query-builder
 * paginator and the plain-SQL one, in both sort directions: every item once,
 * in the list's order, with pageInfo saying which way more items lie. The
 * sort column repeats values, so the id must break ties in both directions.
 */
describe('keyset pages forward and backward (PostgreSQL)', () => {
  const schema = `keyset_${randomUUID().slice(0, 6)}_${process.env.RAPPORT_TEST_RUN_ID}`;
  let ds: DataSource;
  const items = Array.from({ length: 23 }, (_, i) => ({ id: randomUUID(), rank: i % 5 }));

  beforeAll(async () => {
    ds = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, schema, entities: [Item] });
    await ds.initialize();
    await ds.query(`CREATE SCHEMA "${schema}"`);
    await ds.query(`CREATE TABLE "${schema}".items (id uuid PRIMARY KEY, rank int NOT NULL)`);
    for (const item of items) await ds.query(`INSERT INTO "${schema}".items (id, rank) VALUES ($1, $2)`, [item.id, item.rank]);
  });

  afterAll(async () => {
    await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds?.destroy();
  });

  const ordered = (direction: 'ASC' | 'DESC') => {
    const ascending = [...items].sort((a, b) => a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((i) => i.id);
    return direction === 'ASC' ? ascending : ascending.reverse();
  };

  const paginators = {
    'query builder': (direction: 'ASC' | 'DESC', window: PageWindow): Promise<KeysetPage<{ id: string; rank: number }>> =>
      keysetPage(ds.getRepository(Item).createQueryBuilder('i'), {
        ...window,
        sortColumn: 'i.rank',
        idColumn: 'i.id',
        direction,
        cursorOf: (i) => [i.rank, i.id],
      }),
    'plain SQL': (direction: 'ASC' | 'DESC', window: PageWindow): Promise<KeysetPage<{ id: string; rank: number }>> =>
      keysetSqlPage(ds, {
        ...window,
        select: 'id, rank',
        from: `"${schema}".items WHERE true`,
        params: [],
        sortColumn: 'rank',
        idColumn: 'id',
        direction,
        cursorOf: (r: { id: string; rank: number }) => [r.rank, r.id],
        map: (r: { id: string; rank: number }) => r,
      }),
  };

  for (const [name, page] of Object.entries(paginators)) {
    for (const direction of ['ASC', 'DESC'] as const) {
      it(`${name}, ${direction}: backward pages from the end give the list in order, ending where forward paging starts`, async () => {
        const seen: string[] = [];
        let before: string | null = null;
        let first = true;
        for (;;) {
          const p: KeysetPage<{ id: string; rank: number }> = await page(direction, { last: 4, before });
          seen.unshift(...p.edges.map((e) => e.node.id));
          expect(p.pageInfo.hasNextPage).toBe(!first);
          expect(p.totalCount).toBe(items.length);
          first = false;
          if (!p.pageInfo.hasPreviousPage) break;
          before = p.pageInfo.startCursor;
        }
        expect(seen).toEqual(ordered(direction));
      });

      it(`${name}, ${direction}: the page before a forward page's start is the page forward paging came from`, async () => {
        const one = await page(direction, { first: 6 });
        const two = await page(direction, { first: 6, after: one.pageInfo.endCursor });
        const back = await page(direction, { last: 6, before: two.pageInfo.startCursor });
        expect(back.edges.map((e) => e.node.id)).toEqual(one.edges.map((e) => e.node.id));
        expect(back.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
        expect(two.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
        // A first page counts in its own read; a page after a cursor counts apart: both the whole list.
        expect([one.totalCount, two.totalCount, back.totalCount]).toEqual([items.length, items.length, items.length]);
      });
    }

    it(`${name}: a first page counts every row, whether it holds them all, exactly all, or some`, async () => {
      for (const size of [40, 23, 22, 1]) {
        for (const window of [{ first: size }, { last: size }]) {
          const p = await page('ASC', window);
          expect({ size, totalCount: p.totalCount, rows: p.edges.length }).toEqual({ size, totalCount: 23, rows: Math.min(size, 23) });
          expect(p.pageInfo[window.first ? 'hasNextPage' : 'hasPreviousPage']).toBe(size < 23);
        }
      }
    });

    it(`${name}: a cursor it did not issue is refused, naming before or after`, async () => {
      await expect(page('ASC', { last: 3, before: 'not-a-cursor' })).rejects.toMatchObject(new InvalidCursorError('before'));
      await expect(page('ASC', { first: 3, after: 'not-a-cursor' })).rejects.toMatchObject(new InvalidCursorError('after'));
    });
  }
});
