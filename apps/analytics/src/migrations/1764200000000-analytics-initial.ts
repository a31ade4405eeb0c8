import { createMessagingTables } from '@rapport/messaging';
import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AnalyticsInitial1764200000000 implements MigrationInterface {
  name = 'AnalyticsInitial1764200000000';

  async up(q: QueryRunner): Promise<void> {
    // Projection of sales' customer master (from sales.contact.* events): just
    // enough to match orders to contacts. `merged_into` points a merged
    // contact at its survivor (kept flat: never a chain).
    await q.query(`CREATE TABLE contacts (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL,
      merged_into uuid,
      sales_updated_at timestamptz(3),
      projected_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX contacts_by_survivor ON contacts (tenant_id, merged_into) WHERE merged_into IS NOT NULL`);
    await enableTenantRls(q, 'contacts');

    // External ids as the contact's own snapshot lists them; resolving goes
    // through contacts.merged_into, so a merged contact's ids reach the survivor.
    await q.query(`CREATE TABLE contact_external_ids (
      tenant_id uuid NOT NULL,
      source text NOT NULL,
      key text NOT NULL,
      contact_id uuid NOT NULL,
      PRIMARY KEY (tenant_id, source, key)
    )`);
    await q.query(`CREATE INDEX contact_external_ids_by_contact ON contact_external_ids (tenant_id, contact_id)`);
    await enableTenantRls(q, 'contact_external_ids');

    // One row per (source, external order id): re-sending an order replaces
    // it. The customer is kept as given (contact id or external id) and as
    // resolved (`contact_id`, null while unmatched), so late contacts and
    // merges can re-resolve it.
    await q.query(`CREATE TABLE orders (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      source text NOT NULL,
      external_order_id text NOT NULL,
      contact_id uuid,
      customer_contact_id uuid,
      customer_source text,
      customer_key text,
      occurred_at timestamptz(3) NOT NULL,
      amount numeric(19,4) NOT NULL,
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      channel text,
      status text NOT NULL CHECK (status IN ('PLACED', 'CANCELLED', 'REFUNDED')),
      lines jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      CONSTRAINT orders_external_unique UNIQUE (tenant_id, source, external_order_id),
      CONSTRAINT orders_customer_given CHECK (
        (customer_contact_id IS NOT NULL) <> (customer_source IS NOT NULL AND customer_key IS NOT NULL)
      )
    )`);
    // RFM scans a tenant's time window; the contact's order list pages newest first.
    await q.query(`CREATE INDEX orders_by_time ON orders (tenant_id, occurred_at, id)`);
    await q.query(`CREATE INDEX orders_by_contact ON orders (tenant_id, contact_id, occurred_at, id)`);
    // Re-resolution when a contact (or one of its external ids) arrives or merges.
    await q.query(
      `CREATE INDEX orders_by_customer_key ON orders (tenant_id, customer_source, customer_key) WHERE customer_source IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX orders_by_customer_contact ON orders (tenant_id, customer_contact_id) WHERE customer_contact_id IS NOT NULL`,
    );
    await enableTenantRls(q, 'orders');

    // The tenant's RFM choices; absent row = defaults (365 days, dominant currency).
    await q.query(`CREATE TABLE rfm_settings (
      tenant_id uuid PRIMARY KEY,
      window_days int NOT NULL DEFAULT 365 CHECK (window_days BETWEEN 1 AND 3650),
      currency text CHECK (currency ~ '^[A-Z]{3}$'),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await enableTenantRls(q, 'rfm_settings');

    await q.query(`CREATE TABLE rfm_scores (
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      recency_days int NOT NULL,
      frequency int NOT NULL,
      monetary numeric(19,4) NOT NULL,
      currency text NOT NULL,
      r smallint NOT NULL,
      f smallint NOT NULL,
      m smallint NOT NULL,
      segment_key text,
      segment_name text,
      window_days int NOT NULL,
      computed_at timestamptz(3) NOT NULL,
      PRIMARY KEY (tenant_id, contact_id)
    )`);
    await q.query(`CREATE INDEX rfm_scores_by_segment ON rfm_scores (tenant_id, segment_key)`);
    await enableTenantRls(q, 'rfm_scores');

    await createMessagingTables(q);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['inbox', 'outbox', 'rfm_scores', 'rfm_settings', 'orders', 'contact_external_ids', 'contacts']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
