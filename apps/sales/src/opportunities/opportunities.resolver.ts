import { Args, Context, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { AccountsService } from '../accounts/accounts.service';
import { ContactsService } from '../contacts/contacts.service';
import { PipelinesService } from '../pipelines/pipelines.service';
import { presentMoney, weightedAmount } from './money-input';
import type { OpportunityEntity } from './opportunity.entity';
import {
  OpportunitiesService,
  type CreateOpportunityInput,
  type ListOpportunitiesArgs,
  type UpdateOpportunityInput,
} from './opportunities.service';
import { OpportunityProgressService, type CloseInput, type MoveStageInput } from './opportunity-progress.service';

@Resolver('Opportunity')
export class OpportunitiesResolver {
  constructor(
    private readonly opportunities: OpportunitiesService,
    private readonly progress: OpportunityProgressService,
    private readonly accounts: AccountsService,
    private readonly contacts: ContactsService,
    private readonly pipelines: PipelinesService,
  ) {}

  @Query('opportunity')
  opportunity(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.opportunities.get(principal, id);
  }

  @Query('opportunities')
  list(@CurrentPrincipal() principal: Principal, @Args() args: ListOpportunitiesArgs) {
    return this.opportunities.list(principal, args);
  }

  @Mutation('createOpportunity')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateOpportunityInput) {
    return { opportunity: await this.opportunities.create(principal, input) };
  }

  @Mutation('updateOpportunity')
  async update(@CurrentPrincipal() principal: Principal, @Args('input') input: UpdateOpportunityInput) {
    return { opportunity: await this.opportunities.update(principal, input) };
  }

  @Mutation('moveOpportunityStage')
  async move(@CurrentPrincipal() principal: Principal, @Args('input') input: MoveStageInput) {
    return { opportunity: await this.progress.moveStage(principal, input) };
  }

  @Mutation('closeOpportunity')
  async close(@CurrentPrincipal() principal: Principal, @Args('input') input: CloseInput) {
    return { opportunity: await this.progress.close(principal, input) };
  }

  @ResolveField('amount')
  amount(@Parent() o: OpportunityEntity) {
    return presentMoney(o.amount, o.currency);
  }

  @ResolveField('weightedAmount')
  weighted(@Parent() o: OpportunityEntity) {
    return weightedAmount({ amount: o.amount, currency: o.currency }, o.probability);
  }

  @ResolveField('account')
  account(@Parent() o: OpportunityEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'accountById', (ids) => this.accounts.getMany(principal, ids)).load(o.accountId);
  }

  @ResolveField('primaryContact')
  primaryContact(@Parent() o: OpportunityEntity, @Context() context: GraphQLRequestContext) {
    if (!o.primaryContactId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'contactById', (ids) => this.contacts.getMany(principal, ids)).load(o.primaryContactId);
  }

  @ResolveField('owner')
  owner(@Parent() o: OpportunityEntity) {
    return o.ownerId ? { __typename: 'User', id: o.ownerId } : null;
  }

  @ResolveField('pipeline')
  pipeline(@Parent() o: OpportunityEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'pipelineById', (ids) => this.pipelines.getMany(principal, ids)).load(o.pipelineId);
  }

  @ResolveField('stage')
  stage(@Parent() o: OpportunityEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'stageById', (ids) => this.pipelines.stagesById(principal, ids)).load(o.stageId);
  }

  @ResolveField('stageHistory')
  stageHistory(@Parent() o: OpportunityEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'stageHistoryByOpportunity', (ids) => this.opportunities.historyOf(principal, ids)).load(o.id);
  }

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }, @CurrentPrincipal() principal: Principal | null) {
    return this.opportunities.get(requirePrincipal(principal), ref.id);
  }
}
