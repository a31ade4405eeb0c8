import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications by email (ADR 049): each user's preference (email on or off,
 * optionally only some kinds), and what became of each notification's email
 * (sent, or why not), which makes the email go out once per notification.
 */
export class ServiceNotificationEmail1766955000000 implements MigrationInterface {
  name = 'ServiceNotificationEmail1766955000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE notification_preferences (
      tenant_id uuid NOT NULL,
      user_id uuid NOT NULL,
      email boolean NOT NULL,
      kinds text[] NULL,
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, user_id)
    )`);
    await enableTenantRls(q, 'notification_preferences');
    await q.query(`ALTER TABLE notifications ADD COLUMN email_sent_at timestamptz(3), ADD COLUMN email_skipped text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP COLUMN IF EXISTS email_sent_at, DROP COLUMN IF EXISTS email_skipped`);
    await q.query(`DROP TABLE IF EXISTS notification_preferences`);
  }
}
