import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Marketing's contact rows are updated again and again after they are
 * written (order and case counts, scores, touches). An update whose new
 * version fits on the row's own page and changes no indexed column is HOT:
 * no entry in any of the table's indexes. Filled to 100 %, a page has no
 * room, so every update went to another page and into every index (ADR 086).
 * 80 % leaves each page room for a few new versions. It applies to pages
 * written from now on; an existing table takes it page by page as it is
 * rewritten (VACUUM FULL, or a CLUSTER, when an operator chooses).
 */
export class MarketingContactsFillfactor1766991000000 implements MigrationInterface {
  name = 'MarketingContactsFillfactor1766991000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contacts SET (fillfactor = 80)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contacts RESET (fillfactor)`);
  }
}
