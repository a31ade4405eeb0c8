import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ServiceKnowledgeUnpublishLocale1764600000000 implements MigrationInterface {
  name = 'ServiceKnowledgeUnpublishLocale1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // Taken down by a manager: no live version (the former one is RETIRED, kept), hidden from customers and search.
    await q.query(`ALTER TABLE knowledge_articles ADD COLUMN unpublished_at timestamptz(3), ADD COLUMN unpublished_by uuid`);
    // The locale customers get when neither they nor their request name one.
    await q.query(`ALTER TABLE knowledge_settings ADD COLUMN default_locale text NOT NULL DEFAULT 'en'`);
    await q.query(
      `CREATE INDEX knowledge_live_by_locale ON knowledge_article_versions (tenant_id, lower(locale)) WHERE status = 'PUBLISHED'`,
    );

    // A self-service login's chosen locale (by portal login, so merges of contacts do not touch it).
    await q.query(`CREATE TABLE self_service_locales (
      tenant_id uuid NOT NULL,
      login_id uuid NOT NULL,
      locale text NOT NULL,
      updated_at timestamptz(3) NOT NULL,
      PRIMARY KEY (tenant_id, login_id)
    )`);
    await enableTenantRls(q, 'self_service_locales');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS self_service_locales`);
    await q.query(`DROP INDEX IF EXISTS knowledge_live_by_locale`);
    await q.query(`ALTER TABLE knowledge_settings DROP COLUMN IF EXISTS default_locale`);
    await q.query(`ALTER TABLE knowledge_articles DROP COLUMN IF EXISTS unpublished_at, DROP COLUMN IF EXISTS unpublished_by`);
  }
}
