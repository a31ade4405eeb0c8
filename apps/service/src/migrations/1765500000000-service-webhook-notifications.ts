import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenant admins are told in-app when one of their webhook endpoints is
 * disabled (platform.webhook.disabled, from identity): a notification kind
 * and the endpoint it is about.
 */
export class ServiceWebhookNotifications1765500000000 implements MigrationInterface {
  name = 'ServiceWebhookNotifications1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
    await q.query(
      `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('CASE_ESCALATED', 'WEBHOOK_DISABLED'))`,
    );
    await q.query(`ALTER TABLE notifications ADD COLUMN webhook_endpoint_id uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM notifications WHERE kind = 'WEBHOOK_DISABLED'`);
    await q.query(`ALTER TABLE notifications DROP COLUMN webhook_endpoint_id`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('CASE_ESCALATED'))`);
  }
}
