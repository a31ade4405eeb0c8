import { enableTenantRls, makeAppendOnly } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log of every service (ADR 025): one append-only, hash-chained
 * row per state change, per tenant. `audit_chains` is each tenant's head
 * (locked to append, so entries get consecutive sequence numbers) and the
 * anchor pruning leaves; `audit_settings` holds the tenant's retention.
 */
export class IdentityAuditLog1765400000000 implements MigrationInterface {
  name = 'IdentityAuditLog1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit_log (
      tenant_id uuid NOT NULL,
      seq bigint NOT NULL,
      id uuid NOT NULL,
      occurred_at timestamptz(3) NOT NULL,
      recorded_at timestamptz(3) NOT NULL DEFAULT now(),
      service text NOT NULL,
      actor_kind text NOT NULL,
      actor_id text NULL,
      action text NOT NULL,
      object_type text NULL,
      object_id text NULL,
      changes jsonb NULL,
      details jsonb NULL,
      request_id text NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL,
      PRIMARY KEY (tenant_id, seq),
      UNIQUE (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX audit_log_object ON audit_log (tenant_id, object_type, object_id, seq)`);
    await q.query(`CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor_id, seq)`);
    await q.query(`CREATE INDEX audit_log_action ON audit_log (tenant_id, action, seq)`);
    await q.query(`CREATE INDEX audit_log_occurred ON audit_log (tenant_id, occurred_at)`);
    await enableTenantRls(q, 'audit_log');
    await makeAppendOnly(q, 'audit_log');
    await q.query(`CREATE TABLE audit_chains (
      tenant_id uuid PRIMARY KEY,
      last_seq bigint NOT NULL,
      last_hash text NOT NULL,
      anchor_seq bigint NOT NULL DEFAULT 0,
      anchor_hash text NOT NULL
    )`);
    await enableTenantRls(q, 'audit_chains');
    await q.query(`CREATE TABLE audit_settings (
      tenant_id uuid PRIMARY KEY,
      retention_days integer NULL CHECK (retention_days IS NULL OR retention_days > 0),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await enableTenantRls(q, 'audit_settings');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_settings`);
    await q.query(`DROP TABLE audit_chains`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP FUNCTION IF EXISTS refuse_append_only_change()`);
  }
}
