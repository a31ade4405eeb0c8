import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email-to-case (ADR 039): each tenant's support mailbox (its slug, from
 * identity.tenant.created), the contacts' email addresses in the customer
 * projection (to find a sender's contact), every inbound message with what
 * became of it, each case's reply token, and the attachments kept.
 */
export class ServiceInboundEmail1766800000000 implements MigrationInterface {
  name = 'ServiceInboundEmail1766800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE inbound_mailboxes (
      tenant_id uuid PRIMARY KEY,
      slug text NOT NULL UNIQUE
    )`);
    await enableTenantRls(q, 'inbound_mailboxes');

    // Lower-cased, in sales' order (position 1 is the one to write to); replaced whole by each snapshot.
    await q.query(`CREATE TABLE customer_contact_emails (
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      email text NOT NULL,
      position smallint NOT NULL,
      PRIMARY KEY (tenant_id, contact_id, email)
    )`);
    await q.query(`CREATE INDEX customer_contact_emails_by_email ON customer_contact_emails (tenant_id, email)`);
    await enableTenantRls(q, 'customer_contact_emails');

    await q.query(`CREATE TABLE case_reply_tokens (
      tenant_id uuid NOT NULL,
      case_id uuid PRIMARY KEY REFERENCES cases_all(id) ON DELETE CASCADE,
      token text NOT NULL,
      UNIQUE (tenant_id, token)
    )`);
    await enableTenantRls(q, 'case_reply_tokens');

    await q.query(`CREATE TABLE inbound_emails (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      via text NOT NULL CHECK (via IN ('SMTP', 'WEBHOOK')),
      message_id text NOT NULL,
      from_address text NOT NULL,
      from_name text,
      to_address text NOT NULL,
      subject text,
      body text,
      status text NOT NULL CHECK (status IN ('RECEIVED', 'CASE_OPENED', 'THREADED', 'UNKNOWN_SENDER', 'IGNORED')),
      ignored_reason text,
      contact_id uuid,
      case_id uuid REFERENCES cases_all(id) ON DELETE SET NULL,
      received_at timestamptz(3) NOT NULL,
      UNIQUE (tenant_id, message_id)
    )`);
    await q.query(`CREATE INDEX inbound_emails_by_status ON inbound_emails (tenant_id, status, received_at)`);
    await q.query(`CREATE INDEX inbound_emails_by_case ON inbound_emails (case_id) WHERE case_id IS NOT NULL`);
    await enableTenantRls(q, 'inbound_emails');

    await q.query(`CREATE TABLE email_attachments (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      inbound_email_id uuid NOT NULL REFERENCES inbound_emails(id) ON DELETE CASCADE,
      case_id uuid REFERENCES cases_all(id) ON DELETE CASCADE,
      file_name text NOT NULL,
      content_type text NOT NULL,
      size_bytes integer NOT NULL,
      content bytea NOT NULL,
      created_at timestamptz(3) NOT NULL
    )`);
    await q.query(`CREATE INDEX email_attachments_by_case ON email_attachments (case_id) WHERE case_id IS NOT NULL`);
    await q.query(`CREATE INDEX email_attachments_by_email ON email_attachments (inbound_email_id)`);
    await enableTenantRls(q, 'email_attachments');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['email_attachments', 'inbound_emails', 'case_reply_tokens', 'customer_contact_emails', 'inbound_mailboxes'])
      await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
