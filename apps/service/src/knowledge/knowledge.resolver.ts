import { Args, Context, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import type { ArticleView } from './knowledge-article-view';
import { KnowledgeSearch } from './knowledge-search.service';
import { KnowledgeSettings } from './knowledge-settings.service';
import { KnowledgeService, type ArticleInput, type ArticleVersionView } from './knowledge.service';

@Resolver('KnowledgeArticle')
export class KnowledgeResolver {
  constructor(
    private readonly knowledge: KnowledgeService,
    private readonly searching: KnowledgeSearch,
    private readonly settings: KnowledgeSettings,
  ) {}

  @Query('knowledgeArticle')
  article(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.knowledge.get(principal, id);
  }

  @Query('searchArticles')
  search(
    @CurrentPrincipal() principal: Principal,
    @Args() args: { query: string; locale?: string | null; first?: number | null; after?: string | null },
  ) {
    return this.searching.search(principal, args);
  }

  @Query('suggestedArticles')
  suggested(
    @CurrentPrincipal() principal: Principal,
    @Args('caseId') caseId: string,
    @Args('first') first?: number | null,
    @Args('locale') locale?: string | null,
  ) {
    return this.searching.suggested(principal, caseId, first, locale);
  }

  @Query('knowledgeSearchLanguage')
  language(@CurrentPrincipal() principal: Principal) {
    return this.settings.language(principal);
  }

  @Query('knowledgeLocale')
  locale(@CurrentPrincipal() principal: Principal) {
    return this.settings.myLocale(principal);
  }

  @Mutation('createKnowledgeArticle')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: ArticleInput) {
    return this.payload(principal, await this.knowledge.create(principal, input));
  }

  @Mutation('updateKnowledgeArticle')
  async update(@CurrentPrincipal() principal: Principal, @Args('input') input: ArticleInput & { articleId: string }) {
    return this.payload(principal, await this.knowledge.update(principal, input.articleId, input));
  }

  @Mutation('publishKnowledgeArticle')
  async publish(@CurrentPrincipal() principal: Principal, @Args('articleId') articleId: string) {
    return this.payload(principal, await this.knowledge.publish(principal, articleId));
  }

  @Mutation('unpublishKnowledgeArticle')
  async unpublish(@CurrentPrincipal() principal: Principal, @Args('articleId') articleId: string) {
    return this.payload(principal, await this.knowledge.unpublish(principal, articleId));
  }

  @Mutation('setKnowledgeSearchLanguage')
  setLanguage(@CurrentPrincipal() principal: Principal, @Args('language') language: string) {
    return this.settings.setLanguage(principal, language);
  }

  @Mutation('setKnowledgeDefaultLocale')
  setDefaultLocale(@CurrentPrincipal() principal: Principal, @Args('locale') locale: string) {
    return this.settings.setDefaultLocale(principal, locale);
  }

  @Mutation('setMyKnowledgeLocale')
  setMyLocale(@CurrentPrincipal() principal: Principal, @Args('locale') locale: string) {
    return this.settings.setMyLocale(principal, locale);
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

  /** The article as it is after the change (its status may have changed with it). */
  private async payload(principal: Principal, version: ArticleVersionView) {
    return { version, article: await this.knowledge.get(principal, version.articleId) };
  }
}
