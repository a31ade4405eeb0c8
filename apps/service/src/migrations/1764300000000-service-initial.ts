import { createMessagingTables } from '@rapport/messaging';
import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

const CHANNELS = `'PHONE', 'EMAIL', 'WEB', 'CHAT', 'SOCIAL'`;
const CATEGORIES = `'QUESTION', 'PROBLEM', 'COMPLAINT', 'REQUEST', 'FEEDBACK'`;
const PRIORITIES = `'LOW', 'NORMAL', 'HIGH', 'URGENT'`;
const STATUSES = `'NEW', 'OPEN', 'PENDING_CUSTOMER', 'RESOLVED', 'CLOSED'`;

export class ServiceInitial1764300000000 implements MigrationInterface {
  name = 'ServiceInitial1764300000000';

  async up(q: QueryRunner): Promise<void> {
    // Business calendars: IANA zone, weekly hours ({"1": [{"start": "09:00", "end": "17:00"}]}), holidays.
    await q.query(`CREATE TABLE business_calendars (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      name text NOT NULL,
      time_zone text NOT NULL,
      weekly_hours jsonb NOT NULL,
      holidays text[] NOT NULL DEFAULT '{}',
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await enableTenantRls(q, 'business_calendars');

    await q.query(`CREATE TABLE support_queues (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      name text NOT NULL,
      strategy text NOT NULL CHECK (strategy IN ('ROUND_ROBIN', 'LEAST_OPEN')),
      is_default boolean NOT NULL DEFAULT false,
      last_assigned_agent_id uuid,
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX support_queues_one_default ON support_queues (tenant_id) WHERE is_default`);
    await enableTenantRls(q, 'support_queues');

    await q.query(`CREATE TABLE queue_members (
      tenant_id uuid NOT NULL,
      queue_id uuid NOT NULL REFERENCES support_queues(id) ON DELETE CASCADE,
      agent_id uuid NOT NULL,
      available boolean NOT NULL DEFAULT true,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (queue_id, agent_id)
    )`);
    await enableTenantRls(q, 'queue_members');

    // Routing: the first rule (by position) whose given conditions all hold picks the queue.
    await q.query(`CREATE TABLE queue_rules (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      queue_id uuid NOT NULL REFERENCES support_queues(id) ON DELETE CASCADE,
      position integer NOT NULL,
      category text CHECK (category IN (${CATEGORIES})),
      priority text CHECK (priority IN (${PRIORITIES})),
      channel text CHECK (channel IN (${CHANNELS})),
      tier text,
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX queue_rules_by_position ON queue_rules (tenant_id, position, created_at)`);
    await enableTenantRls(q, 'queue_rules');

    // Targets per priority and tier (tier NULL = the default for customers without a known tier).
    await q.query(`CREATE TABLE sla_policies (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      priority text NOT NULL CHECK (priority IN (${PRIORITIES})),
      tier text,
      calendar_id uuid REFERENCES business_calendars(id),
      first_response_minutes integer NOT NULL CHECK (first_response_minutes > 0),
      resolution_minutes integer NOT NULL CHECK (resolution_minutes > 0),
      warning_share numeric(4,3) NOT NULL DEFAULT 0.8 CHECK (warning_share > 0 AND warning_share < 1),
      escalation_queue_id uuid REFERENCES support_queues(id),
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX sla_policies_unique ON sla_policies (tenant_id, priority, coalesce(tier, ''))`);
    await enableTenantRls(q, 'sla_policies');

    // Latest tier per contact, from analytics.customer.tier_changed.
    await q.query(`CREATE TABLE contact_tiers (
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      tier text NOT NULL,
      changed_at timestamptz(3) NOT NULL,
      PRIMARY KEY (tenant_id, contact_id)
    )`);
    await enableTenantRls(q, 'contact_tiers');

    // A case keeps the SLA it opened with (policy values and calendar copied), so
    // later policy or tier changes never move its clocks. sla_version grows on
    // every re-plan; timer jobs of older versions do nothing.
    await q.query(`CREATE TABLE cases (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      contact_id uuid,
      account_id uuid,
      subject text NOT NULL,
      description text,
      channel text NOT NULL CHECK (channel IN (${CHANNELS})),
      category text NOT NULL CHECK (category IN (${CATEGORIES})),
      priority text NOT NULL CHECK (priority IN (${PRIORITIES})),
      status text NOT NULL CHECK (status IN (${STATUSES})),
      owner_id uuid,
      queue_id uuid REFERENCES support_queues(id),
      tier text,
      created_by_kind text NOT NULL,
      created_by_id uuid,
      sla_policy_id uuid,
      sla_calendar jsonb,
      first_response_minutes integer,
      resolution_minutes integer,
      warning_share numeric(4,3),
      escalation_queue_id uuid,
      first_response_due_at timestamptz(3),
      first_response_warn_at timestamptz(3),
      resolution_due_at timestamptz(3),
      resolution_warn_at timestamptz(3),
      first_responded_at timestamptz(3),
      paused_at timestamptz(3),
      sla_version integer NOT NULL DEFAULT 0,
      first_response_warned_at timestamptz(3),
      first_response_breached_at timestamptz(3),
      resolution_warned_at timestamptz(3),
      resolution_breached_at timestamptz(3),
      resolved_at timestamptz(3),
      closed_at timestamptz(3),
      created_at timestamptz(3) NOT NULL,
      updated_at timestamptz(3) NOT NULL
    )`);
    await q.query(`CREATE INDEX cases_by_created ON cases (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX cases_by_contact ON cases (tenant_id, contact_id, created_at, id)`);
    await q.query(`CREATE INDEX cases_by_account ON cases (tenant_id, account_id, created_at, id)`);
    await q.query(`CREATE INDEX cases_open_by_owner ON cases (tenant_id, owner_id) WHERE status IN ('NEW', 'OPEN', 'PENDING_CUSTOMER')`);
    await enableTenantRls(q, 'cases');

    await q.query(`CREATE TABLE case_status_history (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
      from_status text,
      to_status text NOT NULL,
      changed_at timestamptz(3) NOT NULL,
      actor_kind text NOT NULL,
      actor_id uuid
    )`);
    await q.query(`CREATE INDEX case_status_history_by_case ON case_status_history (case_id, changed_at, id)`);
    await enableTenantRls(q, 'case_status_history');

    await q.query(`CREATE TABLE case_comments (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
      visibility text NOT NULL CHECK (visibility IN ('PUBLIC', 'INTERNAL')),
      body text NOT NULL,
      author_kind text NOT NULL,
      author_id uuid,
      created_at timestamptz(3) NOT NULL
    )`);
    await q.query(`CREATE INDEX case_comments_by_case ON case_comments (case_id, created_at, id)`);
    await enableTenantRls(q, 'case_comments');

    await q.query(`CREATE TABLE case_assignments (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
      queue_id uuid,
      owner_id uuid,
      previous_owner_id uuid,
      reason text NOT NULL CHECK (reason IN ('RULE', 'MANUAL', 'ESCALATION')),
      assigned_at timestamptz(3) NOT NULL,
      actor_kind text NOT NULL,
      actor_id uuid
    )`);
    await q.query(`CREATE INDEX case_assignments_by_case ON case_assignments (case_id, assigned_at, id)`);
    await enableTenantRls(q, 'case_assignments');

    await q.query(`CREATE TABLE case_escalations (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('FIRST_RESPONSE', 'RESOLUTION')),
      from_priority text NOT NULL,
      to_priority text NOT NULL,
      from_queue_id uuid,
      to_queue_id uuid,
      escalated_at timestamptz(3) NOT NULL,
      UNIQUE (case_id, kind)
    )`);
    await enableTenantRls(q, 'case_escalations');

    await createMessagingTables(q);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'inbox',
      'outbox',
      'case_escalations',
      'case_assignments',
      'case_comments',
      'case_status_history',
      'cases',
      'contact_tiers',
      'sla_policies',
      'queue_rules',
      'queue_members',
      'support_queues',
      'business_calendars',
    ])
      await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
