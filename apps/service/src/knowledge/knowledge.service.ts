import { Injectable } from '@nestjs/common';
import { conflict, forbidden, hasRole, notFound, requireRole, type Principal } from '@rapport/auth';
import { groupBy, ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AGENTS, isStaff, requireKnowledgeRead, requireServiceAdmin } from '../access/service-access';
import { ARTICLE_COLUMNS, toArticleView, type ArticleRow, type ArticleView } from './knowledge-article-view';
import { searchLanguageFor } from './search-language';
import { parseLocale } from './knowledge-locale';
import { KnowledgeSettings } from './knowledge-settings.service';

export type VersionStatus = 'DRAFT' | 'PUBLISHED' | 'RETIRED';

export interface ArticleVersionView {
  id: string;
  articleId: string;
  version: number;
  status: VersionStatus;
  title: string;
  body: string;
  tags: string[];
  locale: string;
  createdAt: Date;
  updatedAt: Date;
  publishedAt: Date | null;
}

export interface ArticleInput {
  title?: string | null;
  body?: string | null;
  tags?: string[] | null;
  locale?: string | null;
}

const VERSION_COLUMNS = `v.id, v.article_id AS "articleId", v.version, v.status, v.title, v.body, v.tags, v.locale,
  v.created_at AS "createdAt", v.updated_at AS "updatedAt", v.published_at AS "publishedAt"`;

/** Writing drafts: the support team. Publishing: support managers (and admins). Reading published articles: anyone of the tenant, customers included. */
function requireAuthor(principal: Principal): void {
  if (principal.kind !== 'user') throw forbidden('articles are written by the support team');
  requireRole(principal, ...AGENTS);
}

/**
 * Knowledge articles with versions: at most one DRAFT and one PUBLISHED
 * (live) version per article; publishing retires the previous live version,
 * so the history stays; unpublishing retires the live one without a
 * successor. Customers and integrations never see a draft or a retired
 * version, nor an article without a live one. Search: KnowledgeSearch.
 */
@Injectable()
export class KnowledgeService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly settings: KnowledgeSettings,
  ) {}

  async create(principal: Principal, input: ArticleInput): Promise<ArticleVersionView> {
    requireAuthor(principal);
    const fields = this.fields(input, null);
    const id = uuidv7();
    return this.db.withTenant(principal.tenantId, async (em) => {
      const now = new Date();
      await em.query(`INSERT INTO knowledge_articles (id, tenant_id, created_by, created_at) VALUES ($1, $2, $3, $4)`, [
        id,
        principal.tenantId,
        principal.id,
        now,
      ]);
      return this.insertVersion(em, principal, id, 1, fields, now);
    });
  }

  /** Edits the draft, or starts a new draft version from the live one (the live version stays as it is until published). */
  async update(principal: Principal, articleId: string, input: ArticleInput): Promise<ArticleVersionView> {
    requireAuthor(principal);
    const id = validate.requireUuid('articleId', articleId);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const versions = await this.lockVersions(em, id);
      const draft = versions.find((v) => v.status === 'DRAFT');
      const base = draft ?? versions.find((v) => v.status === 'PUBLISHED') ?? versions[0];
      const fields = this.fields(input, base);
      const now = new Date();
      if (draft) {
        // A draft moved to another locale is indexed in that locale's language from now on.
        await em.query(
          `UPDATE knowledge_article_versions SET title = $2, body = $3, tags = $4, locale = $5, language = $7::regconfig, updated_at = $6 WHERE id = $1`,
          [
            draft.id,
            fields.title,
            fields.body,
            fields.tags,
            fields.locale,
            now,
            searchLanguageFor(fields.locale, await this.settings.languageOf(em)),
          ],
        );
        return (await this.versionsById(em, [draft.id]))[0];
      }
      return this.insertVersion(em, principal, id, Math.max(...versions.map((v) => v.version)) + 1, fields, now);
    });
  }

  /** Makes the draft the live version; the previous live version is retired (kept in the history). Republishes an unpublished article. */
  async publish(principal: Principal, articleId: string): Promise<ArticleVersionView> {
    requireServiceAdmin(principal);
    const id = validate.requireUuid('articleId', articleId);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const versions = await this.lockVersions(em, id);
      const draft = versions.find((v) => v.status === 'DRAFT');
      if (!draft) throw conflict('the article has no draft to publish', 'articleId');
      await em.query(`UPDATE knowledge_article_versions SET status = 'RETIRED' WHERE article_id = $1 AND status = 'PUBLISHED'`, [id]);
      await em.query(`UPDATE knowledge_article_versions SET status = 'PUBLISHED', published_at = $2 WHERE id = $1`, [draft.id, new Date()]);
      await em.query(`UPDATE knowledge_articles SET unpublished_at = NULL, unpublished_by = NULL WHERE id = $1`, [id]);
      return (await this.versionsById(em, [draft.id]))[0];
    });
  }

  /**
   * Takes the article down: its live version is retired (kept with the
   * other versions, as is a draft), so customers can no longer open it and
   * nobody finds it in search or suggestions. Publishing a draft brings it
   * back (updateKnowledgeArticle with no changes starts one from the last version).
   */
  async unpublish(principal: Principal, articleId: string): Promise<ArticleVersionView> {
    requireServiceAdmin(principal);
    const id = validate.requireUuid('articleId', articleId);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const live = (await this.lockVersions(em, id)).find((v) => v.status === 'PUBLISHED');
      if (!live) throw conflict('the article is not published', 'articleId');
      await em.query(`UPDATE knowledge_article_versions SET status = 'RETIRED' WHERE id = $1`, [live.id]);
      await em.query(`UPDATE knowledge_articles SET unpublished_at = $2, unpublished_by = $3 WHERE id = $1`, [
        id,
        new Date(),
        principal.id,
      ]);
      return (await this.versionsById(em, [live.id]))[0];
    });
  }

  /** An article the caller may see: for customers and integrations only if it has a live version. */
  async get(principal: Principal, articleId: string): Promise<ArticleView | null> {
    requireKnowledgeRead(principal);
    const id = validate.requireUuid('id', articleId);
    const found = await this.getMany(principal, [id]);
    return found.get(id) ?? null;
  }

  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, ArticleView>> {
    const staff = this.seesDrafts(principal);
    const rows: ArticleRow[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT ${ARTICLE_COLUMNS} FROM knowledge_articles a
          WHERE a.id = ANY($1::uuid[])
            AND ($2 OR EXISTS (SELECT 1 FROM knowledge_article_versions v WHERE v.article_id = a.id AND v.status = 'PUBLISHED'))`,
        [[...ids], staff],
      ),
    );
    return new Map(rows.map((r) => [r.id, toArticleView(r)]));
  }

  /** Versions of the articles, newest first; only the live one for callers who may not see drafts. */
  async versions(principal: Principal, articleIds: readonly string[]): Promise<Map<string, ArticleVersionView[]>> {
    const staff = this.seesDrafts(principal);
    const rows: ArticleVersionView[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT ${VERSION_COLUMNS} FROM knowledge_article_versions v
          WHERE v.article_id = ANY($1::uuid[]) AND ($2 OR v.status = 'PUBLISHED')
          ORDER BY v.version DESC`,
        [[...articleIds], staff],
      ),
    );
    return groupBy(articleIds, rows, (r) => r.articleId);
  }

  private seesDrafts(principal: Principal): boolean {
    return isStaff(principal) && principal.kind === 'user' && hasRole(principal, ...AGENTS);
  }

  private fields(input: ArticleInput, base: ArticleVersionView | null) {
    const tags =
      input.tags == null
        ? (base?.tags ?? [])
        : validate.listOf('tags', input.tags, 20).map((t, i) => validate.requiredText(`tags[${i}]`, t, 50).toLowerCase());
    const locale = input.locale == null ? (base?.locale ?? 'en') : parseLocale('locale', input.locale);
    return {
      title: input.title == null && base ? base.title : validate.requiredText('title', input.title, 200),
      body: input.body == null && base ? base.body : validate.requiredText('body', input.body, 100_000),
      tags: [...new Set(tags)],
      locale,
    };
  }

  private async insertVersion(
    em: EntityManager,
    principal: Principal,
    articleId: string,
    version: number,
    f: { title: string; body: string; tags: string[]; locale: string },
    now: Date,
  ): Promise<ArticleVersionView> {
    const id = uuidv7();
    await em.query(
      `INSERT INTO knowledge_article_versions
         (id, tenant_id, article_id, version, status, title, body, tags, locale, language, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'DRAFT', $5, $6, $7, $8, $9::regconfig, $10, $11, $11)`,
      [
        id,
        principal.tenantId,
        articleId,
        version,
        f.title,
        f.body,
        f.tags,
        f.locale,
        searchLanguageFor(f.locale, await this.settings.languageOf(em)),
        principal.id,
        now,
      ],
    );
    return (await this.versionsById(em, [id]))[0];
  }

  private async lockVersions(em: EntityManager, articleId: string): Promise<ArticleVersionView[]> {
    const article: unknown[] = await em.query(`SELECT id FROM knowledge_articles WHERE id = $1 FOR UPDATE`, [articleId]);
    if (article.length === 0) throw notFound('KnowledgeArticle', articleId);
    return em.query(`SELECT ${VERSION_COLUMNS} FROM knowledge_article_versions v WHERE v.article_id = $1 ORDER BY v.version DESC`, [
      articleId,
    ]);
  }

  private async versionsById(em: EntityManager, ids: string[]): Promise<ArticleVersionView[]> {
    return em.query(`SELECT ${VERSION_COLUMNS} FROM knowledge_article_versions v WHERE v.id = ANY($1::uuid[])`, [ids]);
  }
}
