import { createAccessSettingsTable, dropAccessSettingsTable } from '@rapport/service-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sales's copy of each tenant's access settings (identity.access.changed),
 * read by the field-level and sharing checks.
 */
export class SalesAccessSettings1765000000000 implements MigrationInterface {
  name = 'SalesAccessSettings1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await createAccessSettingsTable(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropAccessSettingsTable(q);
  }
}
