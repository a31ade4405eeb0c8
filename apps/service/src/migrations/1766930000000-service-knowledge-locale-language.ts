import type { MigrationInterface, QueryRunner } from 'typeorm';
import { LANGUAGE_OF_LOCALE } from '../knowledge/search-language';

/**
 * Article versions are indexed in their own locale's language (ADR 044):
 * existing versions whose locale has a configuration take it; their search
 * vector is a generated column, so it is recomputed with it. Versions of
 * other locales keep the tenant language they were written with.
 */
export class ServiceKnowledgeLocaleLanguage1766930000000 implements MigrationInterface {
  name = 'ServiceKnowledgeLocaleLanguage1766930000000';

  async up(q: QueryRunner): Promise<void> {
    const pairs = Object.entries(LANGUAGE_OF_LOCALE);
    await q.query(
      `UPDATE knowledge_article_versions v SET language = m.language::regconfig
         FROM unnest($1::text[], $2::text[]) AS m(code, language)
        WHERE lower(split_part(v.locale, '-', 1)) = m.code AND v.language <> m.language::regconfig`,
      [pairs.map(([code]) => code), pairs.map(([, language]) => language)],
    );
  }

  async down(): Promise<void> {
    // The tenant language each version had before is not kept; versions stay in their locale's language.
  }
}
