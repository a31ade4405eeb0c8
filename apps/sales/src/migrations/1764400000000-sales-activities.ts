import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Activities with their reminder bookkeeping, the customer timeline, and lead scoring/assignment rules. */
export class SalesActivities1764400000000 implements MigrationInterface {
  name = 'SalesActivities1764400000000';

  async up(q: QueryRunner): Promise<void> {
    // target_id points at a lead, contact, account or opportunity (checked within the tenant by the service).
    // due_version grows whenever due_at changes; reminder jobs carry it, and reminded_version records the one that fired.
    await q.query(`CREATE TABLE activities (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      type text NOT NULL CHECK (type IN ('TASK', 'CALL', 'MEETING', 'NOTE')),
      target_type text NOT NULL CHECK (target_type IN ('LEAD', 'CONTACT', 'ACCOUNT', 'OPPORTUNITY')),
      target_id uuid NOT NULL,
      subject text NOT NULL,
      body text,
      owner_id uuid,
      due_at timestamptz(3),
      starts_at timestamptz(3),
      ends_at timestamptz(3),
      due_version int NOT NULL DEFAULT 0,
      reminded_version int,
      completed_at timestamptz(3),
      completed_by_id uuid,
      created_by_id uuid,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      CONSTRAINT activities_meeting_span CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at)
    )`);
    await q.query(`CREATE INDEX activities_by_created ON activities (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX activities_by_target ON activities (tenant_id, target_id)`);
    await q.query(`CREATE INDEX activities_by_owner ON activities (tenant_id, owner_id)`);
    await q.query(`CREATE INDEX activities_open_due ON activities (due_at, id) WHERE completed_at IS NULL AND due_at IS NOT NULL`);
    await enableTenantRls(q, 'activities');

    // One row per (entry, subject): an opportunity's stage change shows on its account and on its primary contact.
    await q.query(`CREATE TABLE timeline_entries (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      subject_type text NOT NULL CHECK (subject_type IN ('LEAD', 'CONTACT', 'ACCOUNT', 'OPPORTUNITY')),
      subject_id uuid NOT NULL,
      kind text NOT NULL,
      occurred_at timestamptz(3) NOT NULL,
      summary text NOT NULL,
      ref_id uuid,
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX timeline_entries_by_subject ON timeline_entries (tenant_id, subject_type, subject_id, occurred_at, id)`);
    await enableTenantRls(q, 'timeline_entries');

    await q.query(`CREATE TABLE lead_scoring_rules (
      tenant_id uuid PRIMARY KEY,
      rules jsonb NOT NULL,
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_by_id uuid
    )`);
    await enableTenantRls(q, 'lead_scoring_rules');

    // rr_position is advanced with an atomic UPDATE … RETURNING, so concurrent captures never pick the same slot.
    await q.query(`CREATE TABLE lead_assignment_rules (
      tenant_id uuid PRIMARY KEY,
      rules jsonb NOT NULL,
      rr_position bigint NOT NULL DEFAULT 0,
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_by_id uuid
    )`);
    await enableTenantRls(q, 'lead_assignment_rules');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE lead_assignment_rules`);
    await q.query(`DROP TABLE lead_scoring_rules`);
    await q.query(`DROP TABLE timeline_entries`);
    await q.query(`DROP TABLE activities`);
  }
}
