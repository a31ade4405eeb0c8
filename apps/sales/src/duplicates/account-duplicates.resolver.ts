import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { AccountsService } from '../accounts/accounts.service';
import type { AccountDuplicateRuleConfig } from './account-duplicate-rules';
import { AccountDuplicatesService, type AccountDuplicateCandidate, type AccountDuplicateProbe } from './account-duplicates.service';

@Resolver('AccountDuplicateCandidate')
export class AccountDuplicatesResolver {
  constructor(
    private readonly duplicates: AccountDuplicatesService,
    private readonly accounts: AccountsService,
  ) {}

  @Query('findAccountDuplicates')
  find(@CurrentPrincipal() principal: Principal, @Args('accountId') accountId?: string, @Args('input') input?: AccountDuplicateProbe) {
    return this.duplicates.find(principal, { accountId, input });
  }

  @Query('accountDuplicateRules')
  rules(@CurrentPrincipal() principal: Principal) {
    return this.duplicates.rules(principal);
  }

  @Mutation('setAccountDuplicateRules')
  setRules(@CurrentPrincipal() principal: Principal, @Args('input') input: Partial<AccountDuplicateRuleConfig>) {
    return this.duplicates.setRules(principal, input);
  }

  @ResolveField('account')
  account(@Parent() candidate: AccountDuplicateCandidate, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'candidateAccountById', (ids) => this.accounts.getMany(principal, ids)).load(candidate.accountId);
  }
}
