import { Client } from 'pg';
import { seededRandom } from '@rapport/testing';
import { toFixedSql } from './money-sql';

describe('toFixedSql: Number.prototype.toFixed in SQL (the amounts of events built in the database)', () => {
  let pg: Client;

  beforeAll(async () => {
    pg = new Client({ connectionString: process.env.DATABASE_URL });
    await pg.connect();
  });
  afterAll(() => pg?.end());

  async function inSql(xs: readonly number[], digits: number): Promise<string[]> {
    const { rows } = await pg.query<{ s: string }>(
      `SELECT ${toFixedSql('u.x', '$2::int')} AS s FROM unnest($1::float8[]) WITH ORDINALITY AS u(x, i) ORDER BY u.i`,
      [xs, digits],
    );
    return rows.map((r) => r.s);
  }

  it('rounds the binary value as JS does where the decimal form is a tie (1.005 → 1.00, 0.125 → 0.13)', async () => {
    // Decimal ties whose double lies below them (1.005, 2.675, 1.015, 9.995) or exactly on them (0.125, 0.375, 0.625: dyadic).
    const xs = [1.005, 2.675, 1.015, 0.125, 0.375, 0.625, 0.005, 0.015, 9.995, 123456.785, 0.5, 1.5, 2.5, -1.005, -0.125, -0.001];
    // float8::numeric (15 significant digits, then half away from zero) gets the first of these wrong: the reason for toFixedSql.
    const naive = await pg.query<{ s: string }>(`SELECT round(1.005::float8::numeric, 2)::text AS s`);
    expect(naive.rows[0].s).not.toBe((1.005).toFixed(2));
    for (const digits of [0, 2, 3]) expect(await inSql(xs, digits)).toEqual(xs.map((x) => x.toFixed(digits)));
  });

  it('agrees with toFixed on extremes: zeros, subnormals, huge, exponent form from 1e21, NaN and infinities', async () => {
    const xs = [
      0,
      -0,
      5e-324,
      2.2250738585072014e-308,
      1e-7,
      0.0049999999999999,
      4.5e15,
      2 ** 53 + 2,
      1e20,
      999999999999999900000,
      1e21,
      1.7976931348623157e308,
      -1e21,
      NaN,
      Infinity,
      -Infinity,
    ];
    for (const digits of [0, 2, 3]) expect(await inSql(xs, digits)).toEqual(xs.map((x) => x.toFixed(digits)));
  });

  it('agrees with toFixed on 60,000 random doubles over 14 orders of magnitude and on half-cents', async () => {
    const random = seededRandom(16);
    const xs: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      xs.push(random() * 10 ** (Math.floor(random() * 14) - 4));
      xs.push(Math.round(random() * 1e7) / 1000);
      xs.push((Math.floor(random() * 1e6) + 0.5) / 100);
    }
    for (const digits of [0, 2, 3]) {
      const sql = await inSql(xs, digits);
      const differing = xs.map((x, i) => ({ x, sql: sql[i], js: x.toFixed(digits) })).filter((d) => d.sql !== d.js);
      expect({ digits, differing: differing.slice(0, 5), count: differing.length }).toEqual({ digits, differing: [], count: 0 });
    }
  });
});
