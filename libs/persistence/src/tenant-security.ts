import type { QueryRunner } from 'typeorm';
import { quoteIdent } from './data-source';

/** The transaction-local setting that row-level security policies read. */
export const TENANT_SETTING = 'rapport.tenant_id';

const currentTenant = `NULLIF(current_setting('${TENANT_SETTING}', true), '')::uuid`;

/**
 * Migration helper: turns on row-level security for a table with a
 * `tenant_id uuid` column. Rows are visible and writable only when
 * `tenant_id` equals the transaction's tenant setting; with no setting, no
 * rows at all. (Owners and superusers bypass RLS, which is why tenant
 * transactions switch to the service's non-owner tenant role — see TenantDatabase.)
 */
export async function enableTenantRls(queryRunner: QueryRunner, table: string): Promise<void> {
  const t = quoteIdent(table);
  await queryRunner.query(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`);
  await queryRunner.query(
    `CREATE POLICY tenant_isolation ON ${t} USING (tenant_id = ${currentTenant}) WITH CHECK (tenant_id = ${currentTenant})`,
  );
}
