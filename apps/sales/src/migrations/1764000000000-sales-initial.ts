import { createMessagingTables } from '@rapport/messaging';
import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SalesInitial1764000000000 implements MigrationInterface {
  name = 'SalesInitial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE accounts (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      name text NOT NULL,
      domain text,
      industry text,
      owner_id uuid,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    // Keyset pagination indexes: (tenant, sort key, id).
    await q.query(`CREATE INDEX accounts_by_name ON accounts (tenant_id, name, id)`);
    await q.query(`CREATE INDEX accounts_by_created ON accounts (tenant_id, created_at, id)`);
    await enableTenantRls(q, 'accounts');

    await q.query(`CREATE TABLE contacts (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      account_id uuid REFERENCES accounts(id),
      owner_id uuid,
      first_name text,
      last_name text NOT NULL,
      emails text[] NOT NULL DEFAULT '{}',
      phones text[] NOT NULL DEFAULT '{}',
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX contacts_by_last_name ON contacts (tenant_id, last_name, id)`);
    await q.query(`CREATE INDEX contacts_by_created ON contacts (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX contacts_by_updated ON contacts (tenant_id, updated_at, id)`);
    await q.query(`CREATE INDEX contacts_by_account ON contacts (tenant_id, account_id)`);
    await q.query(`CREATE INDEX contacts_emails ON contacts USING gin (emails)`);
    await enableTenantRls(q, 'contacts');

    // One row per identifier a customer has in another system; unique per tenant,
    // so an ERP's customer number maps to exactly one contact.
    await q.query(`CREATE TABLE contact_external_ids (
      tenant_id uuid NOT NULL,
      source text NOT NULL,
      key text NOT NULL,
      contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      CONSTRAINT contact_external_ids_unique PRIMARY KEY (tenant_id, source, key)
    )`);
    await q.query(`CREATE INDEX contact_external_ids_by_contact ON contact_external_ids (contact_id)`);
    await enableTenantRls(q, 'contact_external_ids');

    await createMessagingTables(q);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['inbox', 'outbox', 'contact_external_ids', 'contacts', 'accounts']) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
