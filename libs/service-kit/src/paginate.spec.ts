import { encodeCursor } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { paginateSql } from './paginate';

/** An EntityManager whose count query answers and whose page query fails as Postgres would. */
function failingPage(driverCode: string): EntityManager {
  const query = jest
    .fn()
    .mockResolvedValueOnce([{ n: 3 }])
    .mockRejectedValueOnce(Object.assign(new Error('query failed'), { driverError: { code: driverCode } }));
  return { query } as unknown as EntityManager;
}

const page = (em: EntityManager, after: string) =>
  paginateSql(em, {
    select: 's.id',
    from: 'segments s WHERE s.tenant_id = $1',
    params: ['t'],
    sortColumn: 's.created_at',
    idColumn: 's.id',
    direction: 'DESC',
    first: 10,
    after,
    cursorOf: (row: { id: string }) => ['2026-01-01T00:00:00Z', row.id],
    map: (row) => row,
  });

describe('paginateSql', () => {
  it('refuses a well-formed cursor whose values Postgres cannot read as BAD_USER_INPUT on after', async () => {
    // e.g. invalid input syntax for type timestamp with time zone (SQLSTATE 22007)
    const crafted = encodeCursor("'; DROP TABLE contacts; --", '0190f0f0-0000-7000-8000-000000000000');
    await expect(page(failingPage('22007'), crafted)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'after' } });
  });

  it('lets any other failure through as the fault it is', async () => {
    const cursor = encodeCursor('2026-01-01T00:00:00Z', '0190f0f0-0000-7000-8000-000000000000');
    await expect(page(failingPage('57014'), cursor)).rejects.toThrow('query failed');
  });
});
