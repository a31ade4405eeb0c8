import { Args, Context, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { KnowledgeService, type ArticleInput, type ArticleVersionView, type ArticleView } from './knowledge.service';

@Resolver('KnowledgeArticle')
export class KnowledgeResolver {
  constructor(private readonly knowledge: KnowledgeService) {}

  @Query('knowledgeArticle')
  article(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.knowledge.get(principal, id);
  }

  @Query('searchArticles')
  search(@CurrentPrincipal() principal: Principal, @Args() args: { query: string; first?: number | null; after?: string | null }) {
    return this.knowledge.search(principal, args);
  }

  @Query('suggestedArticles')
  suggested(@CurrentPrincipal() principal: Principal, @Args('caseId') caseId: string, @Args('first') first?: number | null) {
    return this.knowledge.suggested(principal, caseId, first);
  }

  @Query('knowledgeSearchLanguage')
  language(@CurrentPrincipal() principal: Principal) {
    return this.knowledge.language(principal);
  }

  @Mutation('createKnowledgeArticle')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: ArticleInput) {
    return this.payload(await this.knowledge.create(principal, input));
  }

  @Mutation('updateKnowledgeArticle')
  async update(@CurrentPrincipal() principal: Principal, @Args('input') input: ArticleInput & { articleId: string }) {
    return this.payload(await this.knowledge.update(principal, input.articleId, input));
  }

  @Mutation('publishKnowledgeArticle')
  async publish(@CurrentPrincipal() principal: Principal, @Args('articleId') articleId: string) {
    return this.payload(await this.knowledge.publish(principal, articleId));
  }

  @Mutation('setKnowledgeSearchLanguage')
  setLanguage(@CurrentPrincipal() principal: Principal, @Args('language') language: string) {
    return this.knowledge.setLanguage(principal, language);
  }

  @ResolveField('versions')
  versions(@Parent() a: ArticleView, @Context() context: GraphQLRequestContext) {
    return this.loadVersions(context, a.id);
  }

  @ResolveField('published')
  async published(@Parent() a: ArticleView, @Context() context: GraphQLRequestContext) {
    return (await this.loadVersions(context, a.id)).find((v) => v.status === 'PUBLISHED') ?? null;
  }

  /** Drafts never reach customers: their version list holds the live version only. */
  @ResolveField('draft')
  async draft(@Parent() a: ArticleView, @Context() context: GraphQLRequestContext) {
    return (await this.loadVersions(context, a.id)).find((v) => v.status === 'DRAFT') ?? null;
  }

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }, @CurrentPrincipal() principal: Principal | null) {
    return this.knowledge.get(requirePrincipal(principal), ref.id);
  }

  private async loadVersions(context: GraphQLRequestContext, id: string): Promise<ArticleVersionView[]> {
    const principal = requirePrincipal(context.principal);
    const loader = requestLoader<ArticleVersionView[]>(context, 'articleVersions', (ids) => this.knowledge.versions(principal, ids));
    return (await loader.load(id)) ?? [];
  }

  private payload(version: ArticleVersionView) {
    return { version, article: { id: version.articleId, createdAt: version.createdAt } };
  }
}
