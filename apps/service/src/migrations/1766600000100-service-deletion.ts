import { addDeletionColumns } from '@rapport/customer-master';
import { enableTenantRls, hideDeletedRows, showAllRows } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deletion with a restore window in service (ADR 037): cases become a view
 * of their live rows over `cases_all` (libs/persistence live-rows), with one
 * `deleted_cases` row per deleted case for the restore and the purge job.
 * The customer-master projection learns sales' deletions: `deleted_at` while
 * a contact or account is deleted (restorable), `purged_at` once sales
 * deleted it for good; its cases stay and show the customer as deleted.
 */
export class ServiceDeletion1766600000100 implements MigrationInterface {
  name = 'ServiceDeletion1766600000100';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['customer_contacts', 'customer_accounts']) await addDeletionColumns(q, table);
    await hideDeletedRows(q, 'cases');
    await q.query(`CREATE TABLE deleted_cases (
      tenant_id uuid NOT NULL,
      case_id uuid NOT NULL,
      deletion_id uuid NOT NULL,
      label text NOT NULL,
      deleted_at timestamptz(3) NOT NULL,
      restorable_until timestamptz(3) NOT NULL,
      deleted_by jsonb NOT NULL,
      PRIMARY KEY (tenant_id, case_id)
    )`);
    await q.query(`CREATE INDEX deleted_cases_due ON deleted_cases (restorable_until)`);
    await q.query(`CREATE INDEX deleted_cases_listed ON deleted_cases (tenant_id, deleted_at DESC, case_id)`);
    await enableTenantRls(q, 'deleted_cases');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE deleted_cases`);
    await showAllRows(q, 'cases');
    for (const table of ['customer_contacts', 'customer_accounts']) {
      await q.query(`ALTER TABLE ${table} DROP COLUMN deleted_at, DROP COLUMN deletion_id, DROP COLUMN purged_at`);
    }
  }
}
