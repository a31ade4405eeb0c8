import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { ContactsService } from '../contacts/contacts.service';
import type { DuplicateRuleConfig } from './duplicate-rules';
import { DuplicatesService, type DuplicateCandidate, type DuplicateProbe } from './duplicates.service';

@Resolver('ContactDuplicateCandidate')
export class DuplicatesResolver {
  constructor(
    private readonly duplicates: DuplicatesService,
    private readonly contacts: ContactsService,
  ) {}

  @Query('findDuplicates')
  find(@CurrentPrincipal() principal: Principal, @Args('contactId') contactId?: string, @Args('input') input?: DuplicateProbe) {
    return this.duplicates.find(principal, { contactId, input });
  }

  @Query('duplicateRules')
  rules(@CurrentPrincipal() principal: Principal) {
    return this.duplicates.rules(principal);
  }

  @Mutation('setDuplicateRules')
  setRules(@CurrentPrincipal() principal: Principal, @Args('input') input: Partial<DuplicateRuleConfig>) {
    return this.duplicates.setRules(principal, input);
  }

  @ResolveField('contact')
  contact(@Parent() candidate: DuplicateCandidate, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'candidateContactById', (ids) => this.contacts.getMany(principal, ids)).load(candidate.contactId);
  }
}
