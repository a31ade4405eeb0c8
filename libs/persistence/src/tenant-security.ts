import type { DataSource, QueryRunner } from 'typeorm';
import { revokeAppendOnlyWrites } from './append-only';
import { quoteIdent } from './data-source';

/** The transaction-local setting that row-level security policies read. */
export const TENANT_SETTING = 'rapport.tenant_id';

const currentTenant = `NULLIF(current_setting('${TENANT_SETTING}', true), '')::uuid`;

/**
 * Migration helper: turns on row-level security for a table with a
 * `tenant_id uuid` column. Rows are visible and writable only when
 * `tenant_id` equals the transaction's tenant setting; with no setting, no
 * rows at all. (Owners and superusers bypass RLS, which is why tenant
 * transactions switch to the non-owner app role — see TenantDatabase.)
 */
export async function enableTenantRls(queryRunner: QueryRunner, table: string): Promise<void> {
  const t = quoteIdent(table);
  await queryRunner.query(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`);
  await queryRunner.query(
    `CREATE POLICY tenant_isolation ON ${t} USING (tenant_id = ${currentTenant}) WITH CHECK (tenant_id = ${currentTenant})`,
  );
}

/**
 * Creates (once per cluster) the NOLOGIN role tenant transactions run as and
 * grants it data access to the service schema. Idempotent; runs after the
 * migrations at every start so new tables are covered.
 */
export async function grantAppRole(dataSource: DataSource, schema: string, role: string): Promise<void> {
  const r = quoteIdent(role);
  const s = quoteIdent(schema);
  await dataSource.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role.replace(/'/g, "''")}') THEN
        CREATE ROLE ${r} NOLOGIN NOINHERIT;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- another service created it concurrently
    END $$`);
  // The connecting user must be a member to SET ROLE (superusers always may).
  await dataSource.query(`DO $$ BEGIN
      EXECUTE format('GRANT %I TO %I', '${role.replace(/'/g, "''")}', current_user);
    EXCEPTION WHEN others THEN NULL; -- already a member, or a superuser
    END $$`);
  await dataSource.query(`GRANT USAGE ON SCHEMA ${s} TO ${r}`);
  await dataSource.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`);
  await dataSource.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`);
  // After the blanket grant, which would otherwise give them back on every start.
  await revokeAppendOnlyWrites(dataSource, schema, role);
}
