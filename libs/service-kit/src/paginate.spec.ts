import { encodeCursor } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { pageWindow, paginateSql } from './paginate';

/** An EntityManager whose page query (read before any count) fails as Postgres would. */
function failingPage(driverCode: string): EntityManager {
  const query = jest
    .fn()
    .mockRejectedValueOnce(Object.assign(new Error('query failed'), { driverError: { code: driverCode } }))
    .mockResolvedValue([{ n: 3 }]);
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

describe('pageWindow: which page the connection arguments ask for', () => {
  it('pages forward by default (first 20), backward when last is given, last taking precedence over a default first', () => {
    expect(pageWindow({})).toEqual({ first: 20, after: undefined });
    expect(pageWindow({ first: 5, after: 'c' })).toEqual({ first: 5, after: 'c' });
    expect(pageWindow({ first: 20, last: 3, before: 'c' })).toEqual({ last: 3, before: 'c' });
  });

  it('names the argument that cannot be: a cursor of the other direction, a size out of range', () => {
    const refused = (field: string) => expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field }) });
    expect(() => pageWindow({ last: 3, after: 'c' })).toThrow(refused('after'));
    expect(() => pageWindow({ before: 'c' })).toThrow(refused('before'));
    expect(() => pageWindow({ last: 0 })).toThrow(refused('last'));
    expect(() => pageWindow({ first: 101 })).toThrow(refused('first'));
  });
});
