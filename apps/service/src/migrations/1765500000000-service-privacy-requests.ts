import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Data-subject requests, coordinated by service (ADR 034): one row per
 * export or erasure with what it names, its deadline and final report; one
 * row per service's answer; legal holds that stop an erasure. An export's
 * archive is kept here until it expires; the request's private key only
 * until the archive is built.
 */
export class ServicePrivacyRequests1765500000000 implements MigrationInterface {
  name = 'ServicePrivacyRequests1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE privacy_requests (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('EXPORT', 'ERASURE')),
      contact_id uuid NOT NULL,
      record_ids uuid[] NOT NULL,
      status text NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'INCOMPLETE')),
      forced boolean NOT NULL DEFAULT false,
      force_reason text,
      requested_by_kind text NOT NULL,
      requested_by uuid,
      requested_at timestamptz(3) NOT NULL,
      deadline_at timestamptz(3) NOT NULL,
      completed_at timestamptz(3),
      report jsonb,
      private_key text,
      archive bytea,
      download_secret text,
      download_expires_at timestamptz(3)
    )`);
    await q.query(`CREATE INDEX privacy_requests_pending ON privacy_requests (deadline_at) WHERE status = 'PENDING'`);
    await enableTenantRls(q, 'privacy_requests');
    await q.query(`CREATE TABLE privacy_answers (
      tenant_id uuid NOT NULL,
      request_id uuid NOT NULL REFERENCES privacy_requests (id) ON DELETE CASCADE,
      service text NOT NULL,
      received_at timestamptz(3) NOT NULL DEFAULT now(),
      counts jsonb NOT NULL,
      part jsonb,
      PRIMARY KEY (request_id, service)
    )`);
    await enableTenantRls(q, 'privacy_answers');
    await q.query(`CREATE TABLE legal_holds (
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      reason text NOT NULL,
      placed_by uuid,
      placed_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, contact_id)
    )`);
    await enableTenantRls(q, 'legal_holds');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE legal_holds`);
    await q.query(`DROP TABLE privacy_answers`);
    await q.query(`DROP TABLE privacy_requests`);
  }
}
