import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Satisfaction surveys by email (ADR 039): whether each contact refused
 * service email (from marketing's consent events), what became of each
 * request's survey email, and the secret its rating links are signed with
 * when SERVICE_LINK_SECRET is not set.
 */
export class ServiceSatisfactionSurvey1766800000001 implements MigrationInterface {
  name = 'ServiceSatisfactionSurvey1766800000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE service_email_consents (
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      status text NOT NULL CHECK (status IN ('OPTED_IN', 'OPTED_OUT', 'PENDING')),
      changed_at timestamptz(3) NOT NULL,
      PRIMARY KEY (tenant_id, contact_id)
    )`);
    await enableTenantRls(q, 'service_email_consents');
    await q.query(`ALTER TABLE satisfaction_requests ADD COLUMN survey_sent_at timestamptz(3), ADD COLUMN survey_skipped text`);
    await q.query(`CREATE TABLE service_link_secrets (
      id smallint PRIMARY KEY CHECK (id = 1),
      secret text NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS service_link_secrets`);
    await q.query(`ALTER TABLE satisfaction_requests DROP COLUMN IF EXISTS survey_sent_at, DROP COLUMN IF EXISTS survey_skipped`);
    await q.query(`DROP TABLE IF EXISTS service_email_consents`);
  }
}
