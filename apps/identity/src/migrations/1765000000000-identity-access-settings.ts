import { createAccessSettingsTable, dropAccessSettingsTable } from '@rapport/service-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity's record of each tenant's access settings (field access and
 * sharing), written together with the identity.access.changed event that
 * tells the other services.
 */
export class IdentityAccessSettings1765000000000 implements MigrationInterface {
  name = 'IdentityAccessSettings1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await createAccessSettingsTable(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropAccessSettingsTable(q);
  }
}
