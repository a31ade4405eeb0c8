import { enableTenantRls } from '@rapport/persistence';
import type { QueryRunner } from 'typeorm';

/**
 * Every subgraph's copy of its tenants' access settings (identity's is the
 * original, written with the change). One row per tenant: the whole settings
 * as identity published them, and their revision so an older event that
 * arrives late never replaces a newer state.
 */
export async function createAccessSettingsTable(q: QueryRunner): Promise<void> {
  await q.query(`CREATE TABLE tenant_access_settings (
    tenant_id uuid PRIMARY KEY,
    revision integer NOT NULL,
    settings jsonb NOT NULL,
    updated_at timestamptz(3) NOT NULL DEFAULT now()
  )`);
  await enableTenantRls(q, 'tenant_access_settings');
}

export async function dropAccessSettingsTable(q: QueryRunner): Promise<void> {
  await q.query(`DROP TABLE IF EXISTS tenant_access_settings`);
}
