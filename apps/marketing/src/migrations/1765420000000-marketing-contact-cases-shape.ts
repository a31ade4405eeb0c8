import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * contact_cases takes the shape @rapport/customer-master applies cases to
 * (analytics' has it too): `open` follows the status by definition, and a
 * case that names no contact is kept (it counts for nobody) rather than
 * dropped, so a later event about it has its row.
 */
export class MarketingContactCasesShape1765420000000 implements MigrationInterface {
  name = 'MarketingContactCasesShape1765420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_cases ALTER COLUMN contact_id DROP NOT NULL`);
    await q.query(`DROP INDEX contact_cases_open`);
    await q.query(`ALTER TABLE contact_cases DROP COLUMN open`);
    await q.query(`ALTER TABLE contact_cases ADD COLUMN open boolean GENERATED ALWAYS AS (status NOT IN ('RESOLVED', 'CLOSED')) STORED`);
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
    await q.query(`ALTER TABLE contact_cases DROP COLUMN open`);
    await q.query(`ALTER TABLE contact_cases ADD COLUMN open boolean NOT NULL DEFAULT true`);
    await q.query(`UPDATE contact_cases SET open = status NOT IN ('RESOLVED', 'CLOSED')`);
    await q.query(`ALTER TABLE contact_cases ALTER COLUMN open DROP DEFAULT`);
    await q.query(`DELETE FROM contact_cases WHERE contact_id IS NULL`);
    await q.query(`ALTER TABLE contact_cases ALTER COLUMN contact_id SET NOT NULL`);
  }
}
