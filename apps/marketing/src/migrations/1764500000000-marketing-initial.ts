import { createMessagingTables } from '@rapport/messaging';
import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

const CONSENT_CHANNELS = `'EMAIL', 'SMS', 'PHONE', 'POST', 'PUSH'`;
const SEND_CHANNELS = `'EMAIL', 'SMS', 'PUSH'`;
const PURPOSES = `'MARKETING', 'SERVICE', 'RESEARCH'`;

/**
 * Marketing's schema: the read model of every contact (projected from the
 * sales, service and analytics streams, rebuildable by replay), consent and
 * suppression (marketing's own records, never rebuilt), segments,
 * templates, campaigns with their recipients, messages, journeys and
 * attributed conversions.
 */
export class MarketingInitial1764500000000 implements MigrationInterface {
  name = 'MarketingInitial1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await createMessagingTables(q);
    await this.readModel(q);
    await this.consent(q);
    await this.segmentsAndTemplates(q);
    await this.campaigns(q);
    await this.journeys(q);
  }

  /** Projected from other services' events; replay may delete and rebuild every row of it. */
  private async readModel(q: QueryRunner): Promise<void> {
    // One row per sales contact. `merged_parent` is the record a contact was
    // merged into (as the merge named it); `merged_into` the survivor at the
    // top of that chain, kept flat for queries. Rules and sends only ever see
    // survivors. The
    // aggregates (open cases, orders, last touch) cover the survivor and
    // everything merged into it.
    await q.query(`CREATE TABLE contacts (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL,
      merged_parent uuid,
      merged_into uuid,
      first_name text,
      last_name text,
      email text,
      emails text[] NOT NULL DEFAULT '{}',
      phone text,
      phones text[] NOT NULL DEFAULT '{}',
      account_id uuid,
      owner_id uuid,
      created_at timestamptz(3),
      sales_updated_at timestamptz(3),
      rfm_segment_key text,
      rfm_segment_name text,
      rfm_score text,
      rfm_recency_days integer,
      rfm_frequency integer,
      rfm_monetary numeric(19,4),
      rfm_currency text,
      rfm_as_of timestamptz(3),
      tier text,
      clv numeric(19,4),
      clv_currency text,
      tier_changed_at timestamptz(3),
      churn_band text CHECK (churn_band IN ('LOW', 'MEDIUM', 'HIGH')),
      churn_risk double precision,
      churn_changed_at timestamptz(3),
      open_cases integer NOT NULL DEFAULT 0,
      open_complaints integer NOT NULL DEFAULT 0,
      first_order_at timestamptz(3),
      last_order_at timestamptz(3),
      orders_count integer NOT NULL DEFAULT 0,
      last_touch_at timestamptz(3),
      attributes jsonb NOT NULL DEFAULT '{}',
      projected_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX contacts_by_survivor ON contacts (tenant_id, merged_into) WHERE merged_into IS NOT NULL`);
    await q.query(`CREATE INDEX contacts_by_merge_parent ON contacts (tenant_id, merged_parent) WHERE merged_parent IS NOT NULL`);
    // The attributes segment rules filter on most (only survivors are ever queried).
    for (const column of [
      'tier',
      'rfm_segment_key',
      'rfm_segment_name',
      'churn_band',
      'last_order_at',
      'clv',
      'last_touch_at',
      'created_at',
    ]) {
      await q.query(`CREATE INDEX contacts_by_${column} ON contacts (tenant_id, ${column}) WHERE merged_into IS NULL`);
    }
    await q.query(`CREATE INDEX contacts_with_open_complaints ON contacts (tenant_id) WHERE open_complaints > 0 AND merged_into IS NULL`);
    await q.query(`CREATE INDEX contacts_by_email ON contacts (tenant_id, email)`);
    // Name rules compare case-insensitively (lower() on both sides).
    await q.query(`CREATE INDEX contacts_by_last_name ON contacts (tenant_id, lower(last_name)) WHERE merged_into IS NULL`);
    await q.query(`CREATE INDEX contacts_by_first_name ON contacts (tenant_id, lower(first_name)) WHERE merged_into IS NULL`);
    // attributes.<key> = number/boolean compiles to containment; emails rules test array elements.
    await q.query(`CREATE INDEX contacts_attributes ON contacts USING gin (attributes jsonb_path_ops)`);
    await q.query(`CREATE INDEX contacts_emails ON contacts USING gin (emails)`);
    await enableTenantRls(q, 'contacts');

    await q.query(`CREATE TABLE contact_external_ids (
      tenant_id uuid NOT NULL,
      source text NOT NULL,
      key text NOT NULL,
      contact_id uuid NOT NULL,
      PRIMARY KEY (tenant_id, source, key)
    )`);
    await q.query(`CREATE INDEX contact_external_ids_by_contact ON contact_external_ids (tenant_id, contact_id)`);
    await enableTenantRls(q, 'contact_external_ids');

    // Cases as service reports them; `open` = not resolved or closed.
    await q.query(`CREATE TABLE contact_cases (
      tenant_id uuid NOT NULL,
      case_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      category text NOT NULL,
      status text NOT NULL,
      open boolean NOT NULL,
      changed_at timestamptz(3) NOT NULL,
      PRIMARY KEY (tenant_id, case_id)
    )`);
    await q.query(`CREATE INDEX contact_cases_open ON contact_cases (tenant_id, contact_id) WHERE open`);
    await enableTenantRls(q, 'contact_cases');

    // Orders as analytics recorded them (after resolving the customer); the
    // source of "last order" and of conversions.
    await q.query(`CREATE TABLE contact_orders (
      tenant_id uuid NOT NULL,
      order_id uuid NOT NULL,
      contact_id uuid,
      occurred_at timestamptz(3) NOT NULL,
      amount numeric(19,4) NOT NULL,
      currency text NOT NULL,
      status text NOT NULL,
      recorded_at timestamptz(3) NOT NULL,
      PRIMARY KEY (tenant_id, order_id)
    )`);
    await q.query(`CREATE INDEX contact_orders_by_contact ON contact_orders (tenant_id, contact_id, occurred_at)`);
    await enableTenantRls(q, 'contact_orders');

    // Attributes journeys set (marketing's own data, so replay never loses
    // them); contacts.attributes is a copy rules can filter on.
    await q.query(`CREATE TABLE contact_attributes (
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      attributes jsonb NOT NULL DEFAULT '{}',
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, contact_id)
    )`);
    await enableTenantRls(q, 'contact_attributes');

    // RFM segments analytics has named for the tenant (rules match segments by key, which the index serves).
    await q.query(`CREATE TABLE rfm_segment_names (
      tenant_id uuid NOT NULL,
      key text NOT NULL,
      name text NOT NULL,
      PRIMARY KEY (tenant_id, key)
    )`);
    await enableTenantRls(q, 'rfm_segment_names');

    // Tier order (best first) and other per-tenant marketing settings.
    await q.query(`CREATE TABLE marketing_settings (
      tenant_id uuid PRIMARY KEY,
      tier_order text[] NOT NULL DEFAULT '{platinum,gold,silver,bronze}',
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await enableTenantRls(q, 'marketing_settings');

    // Replays in progress or done, per tenant (one at a time).
    await q.query(`CREATE TABLE read_model_replays (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      status text NOT NULL CHECK (status IN ('RUNNING', 'DONE', 'FAILED')),
      events_applied integer NOT NULL DEFAULT 0,
      failure text,
      started_at timestamptz(3) NOT NULL DEFAULT now(),
      finished_at timestamptz(3)
    )`);
    await q.query(`CREATE UNIQUE INDEX read_model_replays_one_running ON read_model_replays (tenant_id) WHERE status = 'RUNNING'`);
    await enableTenantRls(q, 'read_model_replays');
  }

  private async consent(q: QueryRunner): Promise<void> {
    // The current decision per contact, channel and purpose.
    await q.query(`CREATE TABLE consents (
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      channel text NOT NULL CHECK (channel IN (${CONSENT_CHANNELS})),
      purpose text NOT NULL CHECK (purpose IN (${PURPOSES})),
      status text NOT NULL CHECK (status IN ('OPTED_IN', 'OPTED_OUT', 'PENDING')),
      source text NOT NULL,
      proof text,
      changed_at timestamptz(3) NOT NULL,
      actor_kind text NOT NULL,
      actor_id text,
      PRIMARY KEY (tenant_id, contact_id, channel, purpose)
    )`);
    await enableTenantRls(q, 'consents');

    // Every change ever made: the audit trail consent law asks for.
    await q.query(`CREATE TABLE consent_history (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      channel text NOT NULL,
      purpose text NOT NULL,
      previous_status text,
      status text NOT NULL,
      source text NOT NULL,
      proof text,
      changed_at timestamptz(3) NOT NULL,
      actor_kind text NOT NULL,
      actor_id text
    )`);
    await q.query(`CREATE INDEX consent_history_by_contact ON consent_history (tenant_id, contact_id, changed_at)`);
    await enableTenantRls(q, 'consent_history');

    // Double opt-in confirmations waiting for their click.
    await q.query(`CREATE TABLE consent_confirmations (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      channel text NOT NULL,
      purpose text NOT NULL,
      address text NOT NULL,
      source text NOT NULL,
      expires_at timestamptz(3) NOT NULL,
      confirmed_at timestamptz(3),
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await enableTenantRls(q, 'consent_confirmations');

    // Addresses nothing may be sent to (hard bounces, complaints, requests).
    await q.query(`CREATE TABLE suppressions (
      tenant_id uuid NOT NULL,
      channel text NOT NULL CHECK (channel IN (${SEND_CHANNELS})),
      address text NOT NULL,
      reason text NOT NULL CHECK (reason IN ('HARD_BOUNCE', 'SPAM_COMPLAINT', 'MANUAL', 'UNSUBSCRIBED')),
      detail text,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, channel, address)
    )`);
    await enableTenantRls(q, 'suppressions');

    // Push device tokens registered for contacts (apps register them).
    await q.query(`CREATE TABLE push_devices (
      tenant_id uuid NOT NULL,
      token text NOT NULL,
      contact_id uuid NOT NULL,
      platform text NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, token)
    )`);
    await q.query(`CREATE INDEX push_devices_by_contact ON push_devices (tenant_id, contact_id, created_at)`);
    await enableTenantRls(q, 'push_devices');

    // Secret for signed links (unsubscribe, tracking, confirmation) when none is configured.
    await q.query(`CREATE TABLE link_secrets (
      id smallint PRIMARY KEY CHECK (id = 1),
      secret text NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
  }

  private async segmentsAndTemplates(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE segments (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      name text NOT NULL,
      description text,
      kind text NOT NULL CHECK (kind IN ('DYNAMIC', 'STATIC')),
      rule jsonb NOT NULL,
      member_count integer,
      snapshot_at timestamptz(3),
      created_by text,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX segments_name_unique ON segments (tenant_id, lower(name))`);
    await enableTenantRls(q, 'segments');

    await q.query(`CREATE TABLE segment_members (
      tenant_id uuid NOT NULL,
      segment_id uuid NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
      contact_id uuid NOT NULL,
      PRIMARY KEY (segment_id, contact_id)
    )`);
    await q.query(`CREATE INDEX segment_members_by_contact ON segment_members (tenant_id, contact_id)`);
    await enableTenantRls(q, 'segment_members');

    // Message content: a campaign variant or a journey send step points at one.
    await q.query(`CREATE TABLE message_templates (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      channel text NOT NULL CHECK (channel IN (${SEND_CHANNELS})),
      subject text,
      body_text text NOT NULL,
      body_html text,
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await enableTenantRls(q, 'message_templates');
  }

  private async campaigns(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE campaigns (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      name text NOT NULL,
      segment_id uuid NOT NULL REFERENCES segments(id),
      channel text NOT NULL CHECK (channel IN (${SEND_CHANNELS})),
      purpose text NOT NULL CHECK (purpose IN (${PURPOSES})),
      status text NOT NULL CHECK (status IN ('DRAFT', 'SCHEDULED', 'SENDING', 'SENT', 'CANCELLED')),
      scheduled_at timestamptz(3),
      launched_at timestamptz(3),
      completed_at timestamptz(3),
      send_rate_per_minute integer CHECK (send_rate_per_minute > 0),
      control_percent numeric(5,2) NOT NULL DEFAULT 0 CHECK (control_percent >= 0 AND control_percent < 100),
      test_percent numeric(5,2) NOT NULL DEFAULT 100 CHECK (test_percent > 0 AND test_percent <= 100),
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      budget numeric(19,4) CHECK (budget >= 0),
      cost_per_message numeric(19,4) NOT NULL DEFAULT 0 CHECK (cost_per_message >= 0),
      attribution_window_days integer NOT NULL DEFAULT 7 CHECK (attribution_window_days BETWEEN 1 AND 365),
      winner_variant text,
      rolled_out_at timestamptz(3),
      audience_count integer,
      excluded jsonb NOT NULL DEFAULT '{}',
      messages_claimed integer NOT NULL DEFAULT 0,
      created_by text,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await enableTenantRls(q, 'campaigns');

    await q.query(`CREATE TABLE campaign_variants (
      tenant_id uuid NOT NULL,
      campaign_id uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
      key text NOT NULL,
      split_percent numeric(5,2) NOT NULL CHECK (split_percent > 0 AND split_percent <= 100),
      template_id uuid NOT NULL REFERENCES message_templates(id),
      position integer NOT NULL,
      PRIMARY KEY (campaign_id, key)
    )`);
    await enableTenantRls(q, 'campaign_variants');

    // Who a launched campaign is for: drawn once at launch from the eligible
    // audience. grp: VARIANT (sent now), CONTROL (never sent; the baseline),
    // HOLDOUT (kept back for the winner), ROLLOUT (got the winner later).
    // One row per (campaign, contact) is what makes sending idempotent.
    await q.query(`CREATE TABLE campaign_recipients (
      tenant_id uuid NOT NULL,
      campaign_id uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
      contact_id uuid NOT NULL,
      grp text NOT NULL CHECK (grp IN ('VARIANT', 'CONTROL', 'HOLDOUT', 'ROLLOUT')),
      variant_key text,
      bucket integer NOT NULL,
      batch integer,
      status text NOT NULL CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'SKIPPED', 'FAILED', 'INTERRUPTED', 'HELD')),
      skip_reason text,
      assigned_at timestamptz(3) NOT NULL,
      touched_at timestamptz(3),
      message_id uuid,
      PRIMARY KEY (campaign_id, contact_id)
    )`);
    await q.query(`CREATE INDEX campaign_recipients_batch ON campaign_recipients (campaign_id, batch, status)`);
    await q.query(`CREATE INDEX campaign_recipients_by_contact ON campaign_recipients (tenant_id, contact_id)`);
    await enableTenantRls(q, 'campaign_recipients');

    await q.query(`CREATE TABLE messages (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      channel text NOT NULL CHECK (channel IN (${SEND_CHANNELS})),
      purpose text NOT NULL,
      address text NOT NULL,
      campaign_id uuid,
      variant_key text,
      journey_id uuid,
      enrollment_id uuid,
      step_key text,
      template_id uuid,
      status text NOT NULL CHECK (status IN ('SENDING', 'SENT', 'DELIVERED', 'BOUNCED', 'FAILED')),
      provider_message_id text,
      detail text,
      sent_at timestamptz(3),
      delivered_at timestamptz(3),
      bounced_at timestamptz(3),
      opened_at timestamptz(3),
      clicked_at timestamptz(3),
      unsubscribed_at timestamptz(3),
      opens integer NOT NULL DEFAULT 0,
      clicks integer NOT NULL DEFAULT 0,
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(
      `CREATE UNIQUE INDEX messages_one_per_journey_step ON messages (enrollment_id, step_key) WHERE enrollment_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX messages_by_contact ON messages (tenant_id, contact_id, created_at)`);
    await q.query(`CREATE INDEX messages_by_campaign ON messages (tenant_id, campaign_id) WHERE campaign_id IS NOT NULL`);
    await q.query(`CREATE INDEX messages_by_provider_id ON messages (provider_message_id) WHERE provider_message_id IS NOT NULL`);
    await enableTenantRls(q, 'messages');

    // One credit per (order, model); amount as the order had it.
    await q.query(`CREATE TABLE conversions (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      order_id uuid NOT NULL,
      model text NOT NULL CHECK (model IN ('LAST_TOUCH', 'FIRST_TOUCH')),
      campaign_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      grp text NOT NULL,
      variant_key text,
      message_id uuid,
      amount numeric(19,4) NOT NULL,
      currency text NOT NULL,
      occurred_at timestamptz(3) NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, order_id, model)
    )`);
    await q.query(`CREATE INDEX conversions_by_campaign ON conversions (tenant_id, campaign_id, model)`);
    await enableTenantRls(q, 'conversions');
  }

  private async journeys(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE journeys (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      name text NOT NULL,
      status text NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED', 'ARCHIVED')),
      purpose text NOT NULL CHECK (purpose IN (${PURPOSES})),
      trigger_event text NOT NULL,
      trigger_rule jsonb,
      steps jsonb NOT NULL,
      reentry text NOT NULL CHECK (reentry IN ('NEVER', 'AFTER_EXIT', 'ALWAYS')),
      reentry_cooldown_hours integer NOT NULL DEFAULT 0 CHECK (reentry_cooldown_hours >= 0),
      created_by text,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX journeys_by_trigger ON journeys (tenant_id, trigger_event) WHERE status = 'ACTIVE'`);
    await enableTenantRls(q, 'journeys');

    // A contact's way through a journey. `position` is the step to run next;
    // `visit` grows on every (re)scheduling, so job ids never collide.
    await q.query(`CREATE TABLE journey_enrollments (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      journey_id uuid NOT NULL REFERENCES journeys(id) ON DELETE CASCADE,
      contact_id uuid NOT NULL,
      status text NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED', 'COMPLETED', 'EXITED')),
      position integer NOT NULL,
      visit integer NOT NULL DEFAULT 0,
      entered_at timestamptz(3) NOT NULL,
      next_run_at timestamptz(3),
      paused_at timestamptz(3),
      pause_reason text,
      exit_reason text,
      trigger_event_id uuid NOT NULL,
      trigger_data jsonb NOT NULL,
      finished_at timestamptz(3),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(
      `CREATE UNIQUE INDEX journey_enrollments_one_live ON journey_enrollments (journey_id, contact_id) WHERE status IN ('ACTIVE', 'PAUSED')`,
    );
    await q.query(`CREATE UNIQUE INDEX journey_enrollments_per_trigger ON journey_enrollments (journey_id, trigger_event_id)`);
    await q.query(`CREATE INDEX journey_enrollments_by_contact ON journey_enrollments (tenant_id, contact_id, status)`);
    await enableTenantRls(q, 'journey_enrollments');

    await q.query(`CREATE TABLE journey_step_log (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      enrollment_id uuid NOT NULL REFERENCES journey_enrollments(id) ON DELETE CASCADE,
      position integer NOT NULL,
      step_key text NOT NULL,
      step_type text NOT NULL,
      outcome text NOT NULL,
      at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX journey_step_log_by_enrollment ON journey_step_log (enrollment_id, at)`);
    await enableTenantRls(q, 'journey_step_log');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'journey_step_log',
      'journey_enrollments',
      'journeys',
      'conversions',
      'messages',
      'campaign_recipients',
      'campaign_variants',
      'campaigns',
      'message_templates',
      'segment_members',
      'segments',
      'link_secrets',
      'push_devices',
      'suppressions',
      'consent_confirmations',
      'consent_history',
      'consents',
      'read_model_replays',
      'marketing_settings',
      'rfm_segment_names',
      'contact_attributes',
      'contact_orders',
      'contact_cases',
      'contact_external_ids',
      'contacts',
      'inbox',
      'outbox',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
