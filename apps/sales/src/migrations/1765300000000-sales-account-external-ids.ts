import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts carry external ids as contacts do (an ERP's customer number for a
 * company): the same shape as contact_external_ids, unique per tenant and
 * source, so one key maps to exactly one account.
 */
export class SalesAccountExternalIds1765300000000 implements MigrationInterface {
  name = 'SalesAccountExternalIds1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE account_external_ids (
      tenant_id uuid NOT NULL,
      source text NOT NULL,
      key text NOT NULL,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      CONSTRAINT account_external_ids_unique PRIMARY KEY (tenant_id, source, key)
    )`);
    await q.query(`CREATE INDEX account_external_ids_by_account ON account_external_ids (account_id)`);
    await enableTenantRls(q, 'account_external_ids');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS account_external_ids`);
  }
}
