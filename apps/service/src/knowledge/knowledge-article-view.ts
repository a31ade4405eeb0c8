export type ArticleStatus = 'DRAFT' | 'PUBLISHED' | 'UNPUBLISHED';

export interface ArticleView {
  id: string;
  status: ArticleStatus;
  createdAt: Date;
  unpublishedAt: Date | null;
}

/** The article columns every read selects (alias `a` for knowledge_articles). */
export const ARTICLE_COLUMNS = `a.id, a.created_at AS "createdAt", a.unpublished_at AS "unpublishedAt",
  EXISTS (SELECT 1 FROM knowledge_article_versions l WHERE l.article_id = a.id AND l.status = 'PUBLISHED') AS live`;

export interface ArticleRow {
  id: string;
  createdAt: Date;
  unpublishedAt: Date | null;
  live: boolean;
}

/** Live → PUBLISHED; taken down and not republished → UNPUBLISHED; never live → DRAFT. */
export function toArticleView(r: ArticleRow): ArticleView {
  const status: ArticleStatus = r.live ? 'PUBLISHED' : r.unpublishedAt ? 'UNPUBLISHED' : 'DRAFT';
  return { id: r.id, status, createdAt: r.createdAt, unpublishedAt: r.unpublishedAt };
}
