import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AnalyticsMergeHistory1764400000000 implements MigrationInterface {
  name = 'AnalyticsMergeHistory1764400000000';

  async up(q: QueryRunner): Promise<void> {
    // `merged_into` stays flat (the contact orders resolve to); `merged_parent`
    // remembers whom each contact was merged into directly, so undoing a later
    // merge of that parent gives the contacts merged into it back to it (B → A,
    // A → C, undo A → C: B resolves to A again, not to C). Null for rows merged
    // before this column existed: those unmerge as before (by merged_into).
    await q.query(`ALTER TABLE contacts ADD COLUMN merged_parent uuid`);
    await q.query(`CREATE INDEX contacts_by_parent ON contacts (tenant_id, merged_parent) WHERE merged_parent IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS contacts_by_parent`);
    await q.query(`ALTER TABLE contacts DROP COLUMN IF EXISTS merged_parent`);
  }
}
