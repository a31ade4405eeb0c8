import type { PageArgs } from '@rapport/service-kit';
import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import type { AttributionModelV1 } from '@rapport/contracts';
import type { GraphQLRequestContext } from '@rapport/service-kit';
import { CampaignResults } from '../measurement/campaign-results';
import { CampaignRollout } from '../measurement/rollout';
import { SegmentsService } from '../segments/segments.service';
import type { CreateCampaignInput } from './campaign-input';
import type { CampaignStatus, CampaignView } from './campaign-view';
import { CampaignsService } from './campaigns.service';

@Resolver('Campaign')
export class CampaignsResolver {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly segments: SegmentsService,
    private readonly results: CampaignResults,
    private readonly rollout: CampaignRollout,
  ) {}

  @Query('campaign')
  get(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.campaigns.get(principal, id);
  }

  @Query('campaigns')
  list(@CurrentPrincipal() principal: Principal, @Args() args: PageArgs & { status?: CampaignStatus | null }) {
    return this.campaigns.list(principal, args);
  }

  @Query('campaignResults')
  campaignResults(@CurrentPrincipal() principal: Principal, @Args('id') id: string, @Args('model') model: AttributionModelV1 | null) {
    return this.results.results(principal, id, model ?? 'LAST_TOUCH');
  }

  @Mutation('createCampaign')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateCampaignInput) {
    return { campaign: await this.campaigns.create(principal, input) };
  }

  @Mutation('launchCampaign')
  async launch(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return { campaign: await this.campaigns.launch(principal, id) };
  }

  @Mutation('cancelCampaign')
  cancel(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.campaigns.cancel(principal, id);
  }

  @Mutation('rollOutWinner')
  rollOutWinner(
    @CurrentPrincipal() principal: Principal,
    @Args('campaignId') campaignId: string,
    @Args('variantKey') variantKey: string | null,
    @Args('includeControl') includeControl: boolean | null,
    @Args('overrideSignificance') overrideSignificance: boolean | null,
  ) {
    return this.rollout.rollOut(principal, campaignId, variantKey, includeControl ?? false, overrideSignificance ?? false);
  }

  @ResolveField('segment')
  segment(@Parent() campaign: CampaignView, @Context() context: GraphQLRequestContext) {
    return this.segments.get(requirePrincipal(context.principal), campaign.segmentId);
  }

  @ResolveField('variants')
  async variants(@Parent() campaign: CampaignView, @Context() context: GraphQLRequestContext) {
    const variants = await this.campaigns.variants(requirePrincipal(context.principal), campaign.id);
    return variants.map((v) => ({ key: v.key, splitPercent: v.splitPercent, ...v.content }));
  }

  @ResolveField('audience')
  audience(@Parent() campaign: CampaignView, @Context() context: GraphQLRequestContext) {
    return this.campaigns.audience(requirePrincipal(context.principal), campaign);
  }
}
