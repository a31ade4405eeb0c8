import { Args, Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import type { AccountEntity } from '../accounts/account.entity';
import type { ContactEntity } from '../contacts/contact.entity';
import { PipelinesService } from '../pipelines/pipelines.service';
import { OpportunitiesService, type ListOpportunitiesArgs } from './opportunities.service';
import type { OpportunityStageHistoryEntity } from './opportunity-stage-history.entity';

/** Account.opportunities: the account's deals (the filter's accountId is always this account). */
@Resolver('Account')
export class AccountOpportunitiesResolver {
  constructor(private readonly opportunities: OpportunitiesService) {}

  @ResolveField('opportunities')
  opportunitiesOf(@Parent() account: AccountEntity, @CurrentPrincipal() principal: Principal | null, @Args() args: ListOpportunitiesArgs) {
    return this.opportunities.list(requirePrincipal(principal), { ...args, filter: { ...args.filter, accountId: account.id } });
  }
}

/** Contact.opportunities: deals where the contact is the primary contact. */
@Resolver('Contact')
export class ContactOpportunitiesResolver {
  constructor(private readonly opportunities: OpportunitiesService) {}

  @ResolveField('opportunities')
  opportunitiesOf(@Parent() contact: ContactEntity, @CurrentPrincipal() principal: Principal | null, @Args() args: ListOpportunitiesArgs) {
    return this.opportunities.list(requirePrincipal(principal), { ...args, filter: { ...args.filter, primaryContactId: contact.id } });
  }
}

@Resolver('OpportunityStageChange')
export class OpportunityStageChangeResolver {
  constructor(private readonly pipelines: PipelinesService) {}

  @ResolveField('from')
  from(@Parent() h: OpportunityStageHistoryEntity, @Context() context: GraphQLRequestContext) {
    return h.fromStageId ? this.stageLoader(context).load(h.fromStageId) : null;
  }

  @ResolveField('to')
  to(@Parent() h: OpportunityStageHistoryEntity, @Context() context: GraphQLRequestContext) {
    return this.stageLoader(context).load(h.toStageId);
  }

  @ResolveField('at')
  at(@Parent() h: OpportunityStageHistoryEntity) {
    return h.changedAt;
  }

  @ResolveField('by')
  by(@Parent() h: OpportunityStageHistoryEntity) {
    return h.changedByKind === 'user' && h.changedById ? { __typename: 'User', id: h.changedById } : null;
  }

  private stageLoader(context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'stageById', (ids) => this.pipelines.stagesById(principal, ids));
  }
}
