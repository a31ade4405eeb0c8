import { Injectable } from '@nestjs/common';
import { badUserInput, conflict, forbidden, hasRole, notFound, requireRole, type Principal } from '@rapport/auth';
import { groupBy, ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AGENTS, isStaff, requireCaseRead, requireServiceAdmin } from '../access/service-access';
import { CaseCustomers } from '../customers/case-customers';
import { anyOf, decodeOffset, encodeOffset, significantTerms } from './search-terms';

export type ArticleStatus = 'DRAFT' | 'PUBLISHED' | 'RETIRED';

export interface ArticleVersionView {
  id: string;
  articleId: string;
  version: number;
  status: ArticleStatus;
  title: string;
  body: string;
  tags: string[];
  locale: string;
  createdAt: Date;
  updatedAt: Date;
  publishedAt: Date | null;
}

export interface ArticleView {
  id: string;
  createdAt: Date;
}

export interface ArticleInput {
  title?: string | null;
  body?: string | null;
  tags?: string[] | null;
  locale?: string | null;
}

export interface SearchHit {
  cursor: string;
  rank: number;
  node: ArticleView;
}

export interface SearchPage {
  edges: SearchHit[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const VERSION_COLUMNS = `v.id, v.article_id AS "articleId", v.version, v.status, v.title, v.body, v.tags, v.locale,
  v.created_at AS "createdAt", v.updated_at AS "updatedAt", v.published_at AS "publishedAt"`;
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const DEFAULT_LANGUAGE = 'english';

/** Writing drafts: the support team. Publishing: support managers (and admins). Reading published articles: anyone of the tenant, customers included. */
function requireAuthor(principal: Principal): void {
  if (principal.kind !== 'user') throw forbidden('articles are written by the support team');
  requireRole(principal, ...AGENTS);
}

/**
 * Knowledge articles with versions: at most one DRAFT and one PUBLISHED
 * (live) version per article; publishing retires the previous live version,
 * so the history stays. Search runs over live versions only, with the
 * tenant's text-search configuration (title weighted A, body B, ranked by
 * ts_rank_cd). Customers and integrations never see a draft or a retired version.
 */
@Injectable()
export class KnowledgeService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly customers: CaseCustomers,
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
        await em.query(
          `UPDATE knowledge_article_versions SET title = $2, body = $3, tags = $4, locale = $5, updated_at = $6 WHERE id = $1`,
          [draft.id, fields.title, fields.body, fields.tags, fields.locale, now],
        );
        return (await this.versionsById(em, [draft.id]))[0];
      }
      return this.insertVersion(em, principal, id, Math.max(...versions.map((v) => v.version)) + 1, fields, now);
    });
  }

  /** Makes the draft the live version; the previous live version is retired (kept in the history). */
  async publish(principal: Principal, articleId: string): Promise<ArticleVersionView> {
    requireServiceAdmin(principal);
    const id = validate.requireUuid('articleId', articleId);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const versions = await this.lockVersions(em, id);
      const draft = versions.find((v) => v.status === 'DRAFT');
      if (!draft) throw conflict('the article has no draft to publish', 'articleId');
      await em.query(`UPDATE knowledge_article_versions SET status = 'RETIRED' WHERE article_id = $1 AND status = 'PUBLISHED'`, [id]);
      await em.query(`UPDATE knowledge_article_versions SET status = 'PUBLISHED', published_at = $2 WHERE id = $1`, [draft.id, new Date()]);
      return (await this.versionsById(em, [draft.id]))[0];
    });
  }

  /** The tenant's text-search configuration for new versions and queries, e.g. 'english', 'german', 'simple'. */
  async setLanguage(principal: Principal, language: string): Promise<string> {
    requireServiceAdmin(principal);
    const name = validate.requiredText('language', language, 63).toLowerCase();
    return this.db.withTenant(principal.tenantId, async (em) => {
      const known: unknown[] = await em.query(`SELECT 1 FROM pg_ts_config WHERE cfgname = $1`, [name]);
      if (known.length === 0) throw badUserInput('language', `${JSON.stringify(name)} is not a text-search configuration of this database`);
      await em.query(
        `INSERT INTO knowledge_settings (tenant_id, language) VALUES ($1, $2::regconfig)
         ON CONFLICT (tenant_id) DO UPDATE SET language = EXCLUDED.language`,
        [principal.tenantId, name],
      );
      return name;
    });
  }

  async language(principal: Principal): Promise<string> {
    return this.db.withTenant(principal.tenantId, (em) => this.languageOf(em));
  }

  /** An article the caller may see: for customers and integrations only if it has a live version. */
  async get(principal: Principal, articleId: string): Promise<ArticleView | null> {
    requireCaseRead(principal);
    const id = validate.requireUuid('id', articleId);
    const found = await this.getMany(principal, [id]);
    return found.get(id) ?? null;
  }

  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, ArticleView>> {
    const staff = this.seesDrafts(principal);
    const rows: ArticleView[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT a.id, a.created_at AS "createdAt" FROM knowledge_articles a
          WHERE a.id = ANY($1::uuid[])
            AND ($2 OR EXISTS (SELECT 1 FROM knowledge_article_versions v WHERE v.article_id = a.id AND v.status = 'PUBLISHED'))`,
        [[...ids], staff],
      ),
    );
    return new Map(rows.map((r) => [r.id, r]));
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

  /** Full-text search over live versions: `websearch_to_tsquery` syntax ("quoted phrases", or, -not), best first. */
  async search(principal: Principal, args: { query: string; first?: number | null; after?: string | null }): Promise<SearchPage> {
    requireCaseRead(principal);
    const query = validate.requiredText('query', args.query, 500);
    return this.db.withTenant(principal.tenantId, async (em) => this.rankedPage(em, query, args.first, args.after));
  }

  /** Live articles matching any significant word of the case's subject and description. */
  async suggested(principal: Principal, caseId: string, first?: number | null): Promise<SearchHit[]> {
    requireCaseRead(principal);
    const id = validate.requireUuid('caseId', caseId);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const contact = await this.customers.scope(em, principal);
      const rows: { subject: string; description: string | null }[] = await em.query(
        `SELECT subject, description FROM cases WHERE id = $1 AND ($2::uuid IS NULL OR contact_id = $2)`,
        [id, contact],
      );
      if (rows.length === 0) throw notFound('Case', id);
      const query = anyOf(significantTerms(`${rows[0].subject} ${rows[0].description ?? ''}`));
      if (!query) return [];
      return (await this.rankedPage(em, query, first, null)).edges;
    });
  }

  private async rankedPage(em: EntityManager, query: string, first?: number | null, after?: string | null): Promise<SearchPage> {
    const size = validate.pageSize(first);
    const offset = decodeOffset(after);
    if (offset === null) throw badUserInput('after', 'is not a cursor of this search');
    const language = await this.languageOf(em);
    // Live versions only, whoever asks; ties broken by recency then id for stable pages.
    const rows: { id: string; createdAt: Date; rank: number }[] = await em.query(
      `WITH q AS (SELECT websearch_to_tsquery($1::regconfig, $2) AS query)
       SELECT a.id, a.created_at AS "createdAt", ts_rank_cd(v.search, q.query)::float8 AS rank
         FROM q, knowledge_article_versions v JOIN knowledge_articles a ON a.id = v.article_id
        WHERE v.status = 'PUBLISHED' AND v.search @@ q.query
        ORDER BY rank DESC, v.published_at DESC, a.id
        LIMIT $3 OFFSET $4`,
      [language, query, size + 1, offset],
    );
    const edges = rows
      .slice(0, size)
      .map((r, i) => ({ cursor: encodeOffset(offset + i + 1), rank: r.rank, node: { id: r.id, createdAt: r.createdAt } }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > size,
        hasPreviousPage: offset > 0,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  private seesDrafts(principal: Principal): boolean {
    return isStaff(principal) && principal.kind === 'user' && hasRole(principal, ...AGENTS);
  }

  private async languageOf(em: EntityManager): Promise<string> {
    const rows: { language: string }[] = await em.query(`SELECT language::text AS language FROM knowledge_settings`);
    return rows[0]?.language ?? DEFAULT_LANGUAGE;
  }

  private fields(input: ArticleInput, base: ArticleVersionView | null) {
    const tags =
      input.tags == null
        ? (base?.tags ?? [])
        : validate.listOf('tags', input.tags, 20).map((t, i) => validate.requiredText(`tags[${i}]`, t, 50).toLowerCase());
    const locale = input.locale == null ? (base?.locale ?? 'en') : validate.requiredText('locale', input.locale, 20);
    if (!LOCALE.test(locale)) throw badUserInput('locale', 'must be a language tag such as en or de-CH');
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
      [id, principal.tenantId, articleId, version, f.title, f.body, f.tags, f.locale, await this.languageOf(em), principal.id, now],
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
