import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Service's copy of sales' customer master (ADR 008): which contacts and
 * accounts exist, a contact's account, and merges — with a journal of every
 * row service re-pointed for a merge, so an unmerge restores exactly.
 */
export class ServiceCustomerMaster1764500000000 implements MigrationInterface {
  name = 'ServiceCustomerMaster1764500000000';

  async up(q: QueryRunner): Promise<void> {
    // merged_into is the direct survivor (not flattened): chains are followed on read, and undoing one merge
    // only clears the rows that merge set. sales_updated_at is null for a record known only from a merge event.
    await q.query(`CREATE TABLE customer_contacts (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL,
      account_id uuid,
      merged_into uuid,
      merge_id uuid,
      sales_updated_at timestamptz(3),
      projected_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX customer_contacts_by_account ON customer_contacts (tenant_id, account_id) WHERE account_id IS NOT NULL`);
    await q.query(`CREATE INDEX customer_contacts_by_merge ON customer_contacts (tenant_id, merge_id) WHERE merge_id IS NOT NULL`);
    await enableTenantRls(q, 'customer_contacts');

    await q.query(`CREATE TABLE customer_accounts (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL,
      merged_into uuid,
      merge_id uuid,
      sales_updated_at timestamptz(3),
      projected_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX customer_accounts_by_merge ON customer_accounts (tenant_id, merge_id) WHERE merge_id IS NOT NULL`);
    await enableTenantRls(q, 'customer_accounts');

    // One row per sales merge (by its merge id). applied_at null + unmerged_at set: the unmerge arrived
    // first (redelivery can reorder), so the merge, when it comes, is skipped.
    await q.query(`CREATE TABLE customer_merges (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('CONTACT', 'ACCOUNT')),
      survivor_id uuid NOT NULL,
      merged_ids uuid[] NOT NULL,
      applied_at timestamptz(3),
      unmerged_at timestamptz(3),
      tier_copied jsonb,
      PRIMARY KEY (tenant_id, id)
    )`);
    await enableTenantRls(q, 'customer_merges');

    // Before-images: row `row_id` of `target` pointed at `from_id` before the merge moved it to the survivor.
    await q.query(`CREATE TABLE customer_merge_links (
      tenant_id uuid NOT NULL,
      merge_id uuid NOT NULL,
      target text NOT NULL CHECK (target IN ('cases.contact_id', 'cases.account_id', 'customer_contacts.account_id')),
      row_id uuid NOT NULL,
      from_id uuid NOT NULL,
      PRIMARY KEY (tenant_id, merge_id, target, row_id),
      FOREIGN KEY (tenant_id, merge_id) REFERENCES customer_merges (tenant_id, id) ON DELETE CASCADE
    )`);
    await enableTenantRls(q, 'customer_merge_links');

    await q.query(`CREATE INDEX satisfaction_by_contact ON satisfaction_requests (tenant_id, contact_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS satisfaction_by_contact`);
    for (const t of ['customer_merge_links', 'customer_merges', 'customer_accounts', 'customer_contacts'])
      await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
