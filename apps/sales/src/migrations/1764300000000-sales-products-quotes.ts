import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Products, price books with per-currency entries, and quotes with their lines and per-tenant numbering. */
export class SalesProductsQuotes1764300000000 implements MigrationInterface {
  name = 'SalesProductsQuotes1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE products (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      code text NOT NULL,
      name text NOT NULL,
      description text,
      unit text NOT NULL,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX products_code_unique ON products (tenant_id, lower(code))`);
    await q.query(`CREATE INDEX products_by_code ON products (tenant_id, code, id)`);
    await q.query(`CREATE INDEX products_by_name ON products (tenant_id, name, id)`);
    await enableTenantRls(q, 'products');

    await q.query(`CREATE TABLE price_books (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      name text NOT NULL,
      is_standard boolean NOT NULL DEFAULT false,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    // At most one standard book per tenant: the target of the idempotent "create on first use".
    await q.query(`CREATE UNIQUE INDEX price_books_one_standard ON price_books (tenant_id) WHERE is_standard`);
    await q.query(`CREATE UNIQUE INDEX price_books_name_unique ON price_books (tenant_id, lower(name))`);
    await enableTenantRls(q, 'price_books');

    await q.query(`CREATE TABLE price_book_entries (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      price_book_id uuid NOT NULL REFERENCES price_books(id) ON DELETE CASCADE,
      product_id uuid NOT NULL REFERENCES products(id),
      currency char(3) NOT NULL,
      unit_price numeric(19,4) NOT NULL CHECK (unit_price >= 0),
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX price_book_entries_unique ON price_book_entries (price_book_id, product_id, currency)`);
    await q.query(`CREATE INDEX price_book_entries_by_product ON price_book_entries (tenant_id, product_id)`);
    await enableTenantRls(q, 'price_book_entries');

    // Gap-free enough for humans: one counter row per tenant and year, bumped inside the creating transaction.
    await q.query(`CREATE TABLE quote_number_counters (
      tenant_id uuid NOT NULL,
      year int NOT NULL,
      last_value int NOT NULL,
      PRIMARY KEY (tenant_id, year)
    )`);
    await enableTenantRls(q, 'quote_number_counters');

    await q.query(`CREATE TABLE quotes (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      number text NOT NULL,
      opportunity_id uuid NOT NULL REFERENCES opportunities(id),
      account_id uuid NOT NULL REFERENCES accounts(id),
      contact_id uuid REFERENCES contacts(id),
      price_book_id uuid NOT NULL REFERENCES price_books(id),
      currency char(3) NOT NULL,
      tax_rate numeric(7,4) NOT NULL DEFAULT 0 CHECK (tax_rate BETWEEN 0 AND 100),
      subtotal numeric(19,4) NOT NULL DEFAULT 0,
      tax numeric(19,4) NOT NULL DEFAULT 0,
      total numeric(19,4) NOT NULL DEFAULT 0,
      status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'SENT', 'ACCEPTED', 'REJECTED', 'EXPIRED')),
      expires_at timestamptz(3) NOT NULL,
      notes text,
      sent_at timestamptz(3),
      accepted_at timestamptz(3),
      rejected_at timestamptz(3),
      created_by_id uuid,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX quotes_number_unique ON quotes (tenant_id, number)`);
    await q.query(`CREATE INDEX quotes_by_opportunity ON quotes (tenant_id, opportunity_id, created_at)`);
    await enableTenantRls(q, 'quotes');

    await q.query(`CREATE TABLE quote_lines (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      quote_id uuid NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
      position int NOT NULL,
      product_id uuid NOT NULL REFERENCES products(id),
      description text NOT NULL,
      quantity numeric(19,4) NOT NULL CHECK (quantity > 0),
      unit_price numeric(19,4) NOT NULL CHECK (unit_price >= 0),
      unit_price_overridden boolean NOT NULL,
      discount_percent numeric(7,4) NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
      line_total numeric(19,4) NOT NULL
    )`);
    await q.query(`CREATE UNIQUE INDEX quote_lines_position ON quote_lines (quote_id, position)`);
    await enableTenantRls(q, 'quote_lines');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['quote_lines', 'quotes', 'quote_number_counters', 'price_book_entries', 'price_books', 'products'])
      await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
