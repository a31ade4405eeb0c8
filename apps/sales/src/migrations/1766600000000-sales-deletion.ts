import { enableTenantRls, hideDeletedRows, showAllRows } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The record tables whose deleted rows wait out the restore window hidden from every ordinary query. */
export const SALES_DELETABLE_TABLES = ['contacts', 'accounts', 'opportunities', 'leads', 'activities', 'products'] as const;

/**
 * Deletion with a restore window: contacts, accounts, opportunities, leads,
 * activities and products become
 * views of their live rows over `<table>_all` (libs/persistence live-rows),
 * and `deleted_records` keeps one row per deleted record — who deleted it,
 * when, until when it can be restored, the deletion it belongs to (an account
 * with the contacts and opportunities deleted with it), and the contacts an
 * account's deletion detached (put back on restore). The purge job reads its
 * work from this table, so nothing depends on a job surviving in Redis.
 */
export class SalesDeletion1766600000000 implements MigrationInterface {
  name = 'SalesDeletion1766600000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of SALES_DELETABLE_TABLES) await hideDeletedRows(q, table);
    await q.query(`CREATE TABLE deleted_records (
      tenant_id uuid NOT NULL,
      record_type text NOT NULL CHECK (record_type IN ('CONTACT', 'ACCOUNT', 'OPPORTUNITY', 'LEAD', 'ACTIVITY', 'PRODUCT')),
      record_id uuid NOT NULL,
      deletion_id uuid NOT NULL,
      cascade_of uuid,
      label text NOT NULL,
      deleted_at timestamptz(3) NOT NULL,
      restorable_until timestamptz(3) NOT NULL,
      deleted_by jsonb NOT NULL,
      detached_contact_ids uuid[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (tenant_id, record_type, record_id)
    )`);
    await q.query(`CREATE INDEX deleted_records_due ON deleted_records (restorable_until)`);
    await q.query(`CREATE INDEX deleted_records_by_deletion ON deleted_records (tenant_id, deletion_id)`);
    await q.query(`CREATE INDEX deleted_records_listed ON deleted_records (tenant_id, deleted_at DESC, record_id)`);
    await enableTenantRls(q, 'deleted_records');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE deleted_records`);
    for (const table of [...SALES_DELETABLE_TABLES].reverse()) await showAllRows(q, table);
  }
}
