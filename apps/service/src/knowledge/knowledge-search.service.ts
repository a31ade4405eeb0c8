import { Injectable } from '@nestjs/common';
import { badUserInput, notFound, type Principal } from '@rapport/auth';
import { ServiceDatabase, SharingPolicy, validate, visibleSql } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { requireKnowledgeRead } from '../access/service-access';
import { CaseCustomers } from '../customers/case-customers';
import { ARTICLE_COLUMNS, toArticleView, type ArticleRow, type ArticleView } from './knowledge-article-view';
import { localeCondition } from './knowledge-locale';
import { KnowledgeSettings } from './knowledge-settings.service';
import { anyOf, decodeOffset, encodeOffset, significantTerms } from './search-terms';

export interface SearchHit {
  cursor: string;
  rank: number;
  node: ArticleView;
}

export interface SearchPage {
  edges: SearchHit[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * Ranked full-text search over live versions only, whoever asks (drafts,
 * retired versions and unpublished articles are never found), each version
 * in the text-search configuration of its locale (title weighted A, body B,
 * ts_rank_cd), restricted to a locale: the one asked for, and for customers
 * always one (see KnowledgeSettings.searchLocale).
 */
@Injectable()
export class KnowledgeSearch {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly settings: KnowledgeSettings,
    private readonly customers: CaseCustomers,
    private readonly sharing: SharingPolicy,
  ) {}

  /** `websearch_to_tsquery` syntax ("quoted phrases", or, -not), best first. */
  async search(
    principal: Principal,
    args: { query: string; locale?: string | null; first?: number | null; after?: string | null },
  ): Promise<SearchPage> {
    requireKnowledgeRead(principal);
    const query = validate.requiredText('query', args.query, 500);
    return this.db.withTenant(principal.tenantId, async (em) =>
      this.rankedPage(em, query, await this.settings.searchLocale(em, principal, args.locale), args.first, args.after),
    );
  }

  /** Live articles matching any significant word of the case's subject and description. */
  async suggested(principal: Principal, caseId: string, first?: number | null, locale?: string | null): Promise<SearchHit[]> {
    requireKnowledgeRead(principal);
    const id = validate.requireUuid('caseId', caseId);
    // Suggestions are derived from the case's text: a case the tenant's sharing hides is not found.
    const scope = await this.sharing.readScope(principal, 'CASE');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const contact = await this.customers.scope(em, principal);
      const params: unknown[] = [id, contact];
      const rows: { subject: string; description: string | null }[] = await em.query(
        `SELECT subject, description FROM cases WHERE id = $1 AND ($2::uuid IS NULL OR contact_id = $2) AND ${visibleSql(scope, 'owner_id', params)}`,
        params,
      );
      if (rows.length === 0) throw notFound('Case', id);
      const searchLocale = await this.settings.searchLocale(em, principal, locale);
      const query = anyOf(significantTerms(`${rows[0].subject} ${rows[0].description ?? ''}`));
      if (!query) return [];
      return (await this.rankedPage(em, query, searchLocale, first, null)).edges;
    });
  }

  private async rankedPage(
    em: EntityManager,
    query: string,
    locale: string | null,
    first?: number | null,
    after?: string | null,
  ): Promise<SearchPage> {
    const size = validate.pageSize(first);
    const offset = decodeOffset(after);
    if (offset === null) throw badUserInput('after', 'is not a cursor of this search');
    // Each version is indexed in its own locale's language, so the query is parsed once per language
    // among the live versions searched, and each version is matched with the query of its language.
    // Ties broken by recency then id for stable pages.
    const rows: (ArticleRow & { rank: number })[] = await em.query(
      `WITH q AS (
         SELECT l.language, websearch_to_tsquery(l.language, $1) AS query
           FROM (SELECT DISTINCT language FROM knowledge_article_versions
                  WHERE status = 'PUBLISHED' AND ($4::text IS NULL OR ${localeCondition('locale', '$4')})) l)
       SELECT ${ARTICLE_COLUMNS}, ts_rank_cd(v.search, q.query)::float8 AS rank
         FROM q JOIN knowledge_article_versions v ON v.language = q.language JOIN knowledge_articles a ON a.id = v.article_id
        WHERE v.status = 'PUBLISHED' AND v.search @@ q.query AND ($4::text IS NULL OR ${localeCondition('v.locale', '$4')})
        ORDER BY rank DESC, v.published_at DESC, a.id
        LIMIT $2 OFFSET $3`,
      [query, size + 1, offset, locale],
    );
    const edges = rows.slice(0, size).map((r, i) => ({ cursor: encodeOffset(offset + i + 1), rank: r.rank, node: toArticleView(r) }));
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
}
