import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The CONTACT sharing rule reaches `Contact.cases` (ADR 016): service's copy
 * of the contacts keeps each one's owner (filled by the next snapshot of each
 * contact, or a replay of the sales stream).
 */
export class ServiceContactOwners1765300000000 implements MigrationInterface {
  name = 'ServiceContactOwners1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_contacts ADD COLUMN owner_id uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_contacts DROP COLUMN owner_id`);
  }
}
