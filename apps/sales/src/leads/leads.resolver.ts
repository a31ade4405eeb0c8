import { Args, Context, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { AccountsService } from '../accounts/accounts.service';
import { ContactsService } from '../contacts/contacts.service';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import type { LeadEntity } from './lead.entity';
import type { CreateLeadInput } from './lead-input';
import { LeadConversionService, type ConvertLeadInput } from './lead-conversion.service';
import { LeadsService, type ListLeadsArgs, type UpdateLeadInput } from './leads.service';

@Resolver('Lead')
export class LeadsResolver {
  constructor(
    private readonly leads: LeadsService,
    private readonly conversion: LeadConversionService,
    private readonly accounts: AccountsService,
    private readonly contacts: ContactsService,
    private readonly opportunities: OpportunitiesService,
  ) {}

  @Query('lead')
  lead(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.leads.get(principal, id);
  }

  @Query('leads')
  list(@CurrentPrincipal() principal: Principal, @Args() args: ListLeadsArgs) {
    return this.leads.list(principal, args);
  }

  @Mutation('createLead')
  create(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateLeadInput) {
    return this.leads.create(principal, input);
  }

  @Mutation('updateLead')
  update(@CurrentPrincipal() principal: Principal, @Args('input') input: UpdateLeadInput) {
    return this.leads.update(principal, input);
  }

  @Mutation('convertLead')
  convert(@CurrentPrincipal() principal: Principal, @Args('input') input: ConvertLeadInput) {
    return this.conversion.convert(principal, input);
  }

  @ResolveField('owner')
  owner(@Parent() lead: LeadEntity) {
    return lead.ownerId ? { __typename: 'User', id: lead.ownerId } : null;
  }

  @ResolveField('convertedAccount')
  convertedAccount(@Parent() lead: LeadEntity, @Context() context: GraphQLRequestContext) {
    if (!lead.convertedAccountId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'accountById', (ids) => this.accounts.getMany(principal, ids)).load(lead.convertedAccountId);
  }

  @ResolveField('convertedContact')
  convertedContact(@Parent() lead: LeadEntity, @Context() context: GraphQLRequestContext) {
    if (!lead.convertedContactId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'contactById', (ids) => this.contacts.getMany(principal, ids)).load(lead.convertedContactId);
  }

  @ResolveField('convertedOpportunity')
  convertedOpportunity(@Parent() lead: LeadEntity, @Context() context: GraphQLRequestContext) {
    if (!lead.convertedOpportunityId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'opportunityById', (ids) => this.opportunities.getMany(principal, ids)).load(lead.convertedOpportunityId);
  }

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }, @CurrentPrincipal() principal: Principal | null) {
    return this.leads.get(requirePrincipal(principal), ref.id);
  }
}
