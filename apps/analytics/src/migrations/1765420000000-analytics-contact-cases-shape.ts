import type { MigrationInterface, QueryRunner } from 'typeorm';

/** contact_cases takes the shape @rapport/customer-master applies cases to (marketing's has it too). */
export class AnalyticsContactCasesShape1765420000000 implements MigrationInterface {
  name = 'AnalyticsContactCasesShape1765420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_cases RENAME COLUMN status_at TO changed_at`);
    await q.query(`ALTER TABLE contact_cases ADD COLUMN open boolean GENERATED ALWAYS AS (status NOT IN ('RESOLVED', 'CLOSED')) STORED`);
    await q.query(`DROP INDEX contact_cases_open_complaints`);
    await q.query(`CREATE INDEX contact_cases_open ON contact_cases (tenant_id, contact_id) WHERE open`);
    // Contact and category are versioned apart from the status, so a status change that arrives first is kept.
    await q.query(`ALTER TABLE contact_cases ADD COLUMN snapshot_at timestamptz(3)`);
    await q.query(`UPDATE contact_cases SET snapshot_at = changed_at`);
    await q.query(`ALTER TABLE contact_cases ALTER COLUMN category DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM contact_cases WHERE snapshot_at IS NULL`);
    await q.query(`ALTER TABLE contact_cases ALTER COLUMN category SET NOT NULL`);
    await q.query(`ALTER TABLE contact_cases DROP COLUMN snapshot_at`);
    await q.query(`DROP INDEX contact_cases_open`);
    await q.query(
      `CREATE INDEX contact_cases_open_complaints ON contact_cases (tenant_id, contact_id)
        WHERE category = 'COMPLAINT' AND status NOT IN ('RESOLVED', 'CLOSED')`,
    );
    await q.query(`ALTER TABLE contact_cases DROP COLUMN open`);
    await q.query(`ALTER TABLE contact_cases RENAME COLUMN changed_at TO status_at`);
  }
}
