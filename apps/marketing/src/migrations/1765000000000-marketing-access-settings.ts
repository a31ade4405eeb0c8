import { createAccessSettingsTable, dropAccessSettingsTable } from '@rapport/service-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Marketing's copy of each tenant's access settings (identity.access.changed),
 * read by the field-level and sharing checks.
 */
export class MarketingAccessSettings1765000000000 implements MigrationInterface {
  name = 'MarketingAccessSettings1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await createAccessSettingsTable(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropAccessSettingsTable(q);
  }
}
