import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account emails (invitations, password resets) as durable work
 * (docs/adr/054-durable-account-emails-and-sends-after-commit.md): one row
 * per link, written in the transaction that stores the link, and sent by a
 * BullMQ job. The id is the invitation's or the reset's, so one link never
 * has two emails. The link's token is kept sealed (AES-256-GCM, the
 * WEBHOOK_SECRET_KEYS ring) only until the email is settled; the address is
 * not copied here (it is read from the invitation or the user when sending).
 */
export class IdentityAccountEmailOutbox1766963000000 implements MigrationInterface {
  name = 'IdentityAccountEmailOutbox1766963000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE account_emails (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL REFERENCES tenants(id),
      kind text NOT NULL CHECK (kind IN ('invitation', 'password-reset')),
      sealed_token text,
      status text NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'BOUNCED', 'SKIPPED', 'FAILED', 'INTERRUPTED')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      settled_at timestamptz(3),
      CHECK ((status IN ('PENDING', 'SENDING')) = (sealed_token IS NOT NULL))
    )`);
    // The start-up sweep re-queues what is still to send.
    await q.query(`CREATE INDEX account_emails_pending ON account_emails (id) WHERE status = 'PENDING'`);
    await enableTenantRls(q, 'account_emails');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS account_emails`);
  }
}
