import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks (docs/adr/033-webhooks-outbound-webhooks.md): endpoints,
 * one delivery per (endpoint, event), and every attempt of a delivery.
 * Secrets are kept in clear: every delivery is signed with them (HMAC), so a
 * hash would not do; only identity's roles can read this schema (ADR 026).
 */
export class IdentityWebhooks1765500000000 implements MigrationInterface {
  name = 'IdentityWebhooks1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL REFERENCES tenants(id),
      url text NOT NULL,
      description text,
      event_types text[] NOT NULL,
      filter jsonb,
      ordered_by_subject boolean NOT NULL DEFAULT false,
      secret text NOT NULL,
      previous_secret text,
      previous_secret_expires_at timestamptz(3),
      owner_kind text NOT NULL CHECK (owner_kind IN ('user', 'apiKey')),
      owner_id uuid NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      failing_since timestamptz(3),
      disabled_at timestamptz(3),
      disabled_reason text,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX webhook_endpoints_enabled ON webhook_endpoints (tenant_id) WHERE enabled`);
    await enableTenantRls(q, 'webhook_endpoints');

    // seq orders deliveries of one endpoint as the fan-out saw their events (per-subject ordering waits on it).
    await q.query(`CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
      seq bigserial NOT NULL,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      subject_id text NOT NULL,
      event jsonb NOT NULL,
      status text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'SKIPPED')),
      generation integer NOT NULL DEFAULT 0,
      attempts integer NOT NULL DEFAULT 0,
      last_attempt_at timestamptz(3),
      succeeded_at timestamptz(3),
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      UNIQUE (endpoint_id, event_id)
    )`);
    await q.query(`CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, subject_id, seq) WHERE status = 'PENDING'`);
    await enableTenantRls(q, 'webhook_deliveries');

    await q.query(`CREATE TABLE webhook_attempts (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
      attempt integer NOT NULL,
      attempted_at timestamptz(3) NOT NULL,
      status_code integer,
      ok boolean NOT NULL,
      latency_ms integer NOT NULL,
      response_excerpt text,
      error text,
      UNIQUE (delivery_id, attempt)
    )`);
    await enableTenantRls(q, 'webhook_attempts');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['webhook_attempts', 'webhook_deliveries', 'webhook_endpoints']) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
