import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A full scoring rewrites every customer's row (its scored_at moves even
 * when nothing else does). With full pages each rewrite is a new row version
 * on another page plus an entry in both indexes; with room on the page, a
 * rewrite that leaves the indexed columns (tenant, contact, CLV) alone is a
 * heap-only update: no index work. 50 % leaves room for one new version of
 * every row.
 */
export class AnalyticsCustomerValuesFillfactor1766700000000 implements MigrationInterface {
  name = 'AnalyticsCustomerValuesFillfactor1766700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_values SET (fillfactor = 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_values RESET (fillfactor)`);
  }
}
