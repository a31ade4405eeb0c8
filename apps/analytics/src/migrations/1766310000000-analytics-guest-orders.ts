import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Guest orders: a shop's checkout without an account names no customer.
 * They are kept (revenue is revenue) with neither a contact id nor an
 * external customer id, so nothing ever matches them to a contact and the
 * per-customer models (RFM, CLV, churn), which read `contact_id`, never see
 * them. A customer reference given half (source without key) is still refused.
 */
export class AnalyticsGuestOrders1766310000000 implements MigrationInterface {
  name = 'AnalyticsGuestOrders1766310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders DROP CONSTRAINT orders_customer_given`);
    await q.query(`ALTER TABLE orders ADD CONSTRAINT orders_customer_given CHECK (
      NOT (customer_contact_id IS NOT NULL AND customer_source IS NOT NULL)
      AND (customer_source IS NULL) = (customer_key IS NULL))`);
    await q.query(
      `ALTER TABLE orders ADD COLUMN guest boolean GENERATED ALWAYS AS (customer_contact_id IS NULL AND customer_source IS NULL) STORED`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM orders WHERE guest`);
    await q.query(`ALTER TABLE orders DROP COLUMN guest`);
    await q.query(`ALTER TABLE orders DROP CONSTRAINT orders_customer_given`);
    await q.query(`ALTER TABLE orders ADD CONSTRAINT orders_customer_given CHECK (
      (customer_contact_id IS NOT NULL) <> (customer_source IS NOT NULL AND customer_key IS NOT NULL))`);
  }
}
