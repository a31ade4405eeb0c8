import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pricing by customer value (ADR 045): a price book may be the one for a
 * value tier (`for_tier`, at most one per tier and tenant), sales keeps the
 * latest tier analytics published per contact (`customer_tiers`, a
 * projection: analytics owns the tier), and a quote records why its price
 * book was chosen (`pricing_reason`).
 */
export class SalesValuePricing1766937000000 implements MigrationInterface {
  name = 'SalesValuePricing1766937000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE price_books ADD COLUMN for_tier text`);
    await q.query(`CREATE UNIQUE INDEX price_books_one_per_tier ON price_books (tenant_id, lower(for_tier)) WHERE for_tier IS NOT NULL`);
    await q.query(`ALTER TABLE quotes ADD COLUMN pricing_reason text`);
    await q.query(`CREATE TABLE customer_tiers (
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      tier text,
      changed_at timestamptz(3) NOT NULL,
      PRIMARY KEY (tenant_id, contact_id)
    )`);
    await enableTenantRls(q, 'customer_tiers');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE customer_tiers`);
    await q.query(`ALTER TABLE quotes DROP COLUMN pricing_reason`);
    await q.query(`DROP INDEX price_books_one_per_tier`);
    await q.query(`ALTER TABLE price_books DROP COLUMN for_tier`);
  }
}
