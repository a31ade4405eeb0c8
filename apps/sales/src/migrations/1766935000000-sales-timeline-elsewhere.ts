import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The timeline also holds what other services report about a customer
 * (cases, orders, campaign messages, consent changes; ADR 045). `ref_owner_id`
 * is the owner of the record an entry is about where sharing rules depend on
 * it (a case: kept current from service's assignment events); `withdrawn`
 * hides an entry while its record is deleted into the restore window.
 */
export class SalesTimelineElsewhere1766935000000 implements MigrationInterface {
  name = 'SalesTimelineElsewhere1766935000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE timeline_entries ADD COLUMN ref_owner_id uuid, ADD COLUMN withdrawn boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX timeline_entries_by_ref ON timeline_entries (tenant_id, ref_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX timeline_entries_by_ref`);
    await q.query(`ALTER TABLE timeline_entries DROP COLUMN ref_owner_id, DROP COLUMN withdrawn`);
  }
}
