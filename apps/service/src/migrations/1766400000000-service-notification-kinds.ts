import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two migrations each widened the notification kinds by one (activity
 * reminders, disabled webhooks), each naming only its own besides
 * CASE_ESCALATED; whichever ran last would refuse the other's kind. This
 * names them all.
 */
export class ServiceNotificationKinds1766400000000 implements MigrationInterface {
  name = 'ServiceNotificationKinds1766400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check`);
    await q.query(
      `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('CASE_ESCALATED', 'ACTIVITY_DUE', 'WEBHOOK_DISABLED'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check`);
    await q.query(
      `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('CASE_ESCALATED', 'WEBHOOK_DISABLED'))`,
    );
  }
}
