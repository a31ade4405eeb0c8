import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ServiceKnowledgeCsat1764400000000 implements MigrationInterface {
  name = 'ServiceKnowledgeCsat1764400000000';

  async up(q: QueryRunner): Promise<void> {
    // Text-search configuration per tenant ('english' unless changed).
    await q.query(`CREATE TABLE knowledge_settings (
      tenant_id uuid PRIMARY KEY,
      language regconfig NOT NULL DEFAULT 'english'
    )`);
    await enableTenantRls(q, 'knowledge_settings');

    await q.query(`CREATE TABLE knowledge_articles (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      created_by uuid,
      created_at timestamptz(3) NOT NULL
    )`);
    await enableTenantRls(q, 'knowledge_articles');

    // Every version is kept: at most one DRAFT and one PUBLISHED (the live one) per article; older ones RETIRED.
    await q.query(`CREATE TABLE knowledge_article_versions (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      article_id uuid NOT NULL REFERENCES knowledge_articles(id) ON DELETE CASCADE,
      version integer NOT NULL,
      status text NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED', 'RETIRED')),
      title text NOT NULL,
      body text NOT NULL,
      tags text[] NOT NULL DEFAULT '{}',
      locale text NOT NULL,
      language regconfig NOT NULL,
      search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(language, title), 'A') || setweight(to_tsvector(language, body), 'B')
      ) STORED,
      created_by uuid,
      created_at timestamptz(3) NOT NULL,
      updated_at timestamptz(3) NOT NULL,
      published_at timestamptz(3),
      UNIQUE (article_id, version)
    )`);
    await q.query(`CREATE UNIQUE INDEX knowledge_one_draft ON knowledge_article_versions (article_id) WHERE status = 'DRAFT'`);
    await q.query(`CREATE UNIQUE INDEX knowledge_one_live ON knowledge_article_versions (article_id) WHERE status = 'PUBLISHED'`);
    await q.query(`CREATE INDEX knowledge_search ON knowledge_article_versions USING GIN (search)`);
    await enableTenantRls(q, 'knowledge_article_versions');

    // One request per resolution; answered once.
    await q.query(`CREATE TABLE satisfaction_requests (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
      contact_id uuid NOT NULL,
      requested_at timestamptz(3) NOT NULL,
      rating smallint CHECK (rating BETWEEN 1 AND 5),
      comment text,
      answered_at timestamptz(3),
      CHECK ((rating IS NULL) = (answered_at IS NULL))
    )`);
    await q.query(`CREATE INDEX satisfaction_by_case ON satisfaction_requests (case_id, requested_at)`);
    await q.query(`CREATE INDEX satisfaction_by_time ON satisfaction_requests (tenant_id, requested_at)`);
    await enableTenantRls(q, 'satisfaction_requests');

    // Elapsed business minutes (of the case's calendar, pauses excluded), fixed when the clock stops; metrics read them.
    await q.query(`ALTER TABLE cases ADD COLUMN first_response_business_minutes integer, ADD COLUMN resolution_business_minutes integer`);

    await q.query(`ALTER TABLE support_queues ADD COLUMN IF NOT EXISTS manager_id uuid`);

    await q.query(`CREATE TABLE notifications (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      recipient_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('CASE_ESCALATED')),
      case_id uuid REFERENCES cases(id) ON DELETE CASCADE,
      created_at timestamptz(3) NOT NULL,
      read_at timestamptz(3)
    )`);
    await q.query(`CREATE INDEX notifications_by_recipient ON notifications (tenant_id, recipient_id, created_at DESC, id DESC)`);
    await enableTenantRls(q, 'notifications');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['notifications', 'satisfaction_requests', 'knowledge_article_versions', 'knowledge_articles', 'knowledge_settings'])
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    await q.query(`ALTER TABLE support_queues DROP COLUMN IF EXISTS manager_id`);
    await q.query(
      `ALTER TABLE cases DROP COLUMN IF EXISTS first_response_business_minutes, DROP COLUMN IF EXISTS resolution_business_minutes`,
    );
  }
}
