import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A case's owner is also told of an assignment to them and of its SLA warnings and breaches. */
export class ServiceCaseNotificationKinds1766500000000 implements MigrationInterface {
  name = 'ServiceCaseNotificationKinds1766500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check`);
    await q.query(
      `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
         CHECK (kind IN ('CASE_ESCALATED', 'ACTIVITY_DUE', 'WEBHOOK_DISABLED', 'CASE_ASSIGNED', 'SLA_WARNING', 'SLA_BREACHED'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM notifications WHERE kind IN ('CASE_ASSIGNED', 'SLA_WARNING', 'SLA_BREACHED')`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check`);
    await q.query(
      `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('CASE_ESCALATED', 'ACTIVITY_DUE', 'WEBHOOK_DISABLED'))`,
    );
  }
}
