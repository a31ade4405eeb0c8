import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * In-app notifications also tell an activity's owner that it is due (sales'
 * `sales.activity.due`): one notification store for the whole team, read by
 * `myNotifications`. The activity is named by id; its details come from
 * sales through the federated `Activity`.
 */
export class ServiceActivityNotifications1765400000000 implements MigrationInterface {
  name = 'ServiceActivityNotifications1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('CASE_ESCALATED', 'ACTIVITY_DUE'))`);
    // One per activity and due time: a redelivered event or a second reminder for the same due time adds nothing.
    await q.query(`ALTER TABLE notifications ADD COLUMN activity_id uuid, ADD COLUMN due_at timestamptz(3)`);
    await q.query(
      `CREATE UNIQUE INDEX notifications_activity_due ON notifications (tenant_id, activity_id, due_at) WHERE activity_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM notifications WHERE kind = 'ACTIVITY_DUE'`);
    await q.query(`DROP INDEX IF EXISTS notifications_activity_due`);
    await q.query(`ALTER TABLE notifications DROP COLUMN activity_id, DROP COLUMN due_at`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('CASE_ESCALATED'))`);
  }
}
