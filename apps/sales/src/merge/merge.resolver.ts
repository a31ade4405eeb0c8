import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import type { MergeKind } from './merge-links';
import type { MergeInput, MergeRecord, UnmergeChoice } from './merge-plan';
import { MergeService } from './merge.service';

@Resolver('RecordMerge')
export class MergeResolver {
  constructor(private readonly merges: MergeService) {}

  @Query('recordMerges')
  history(@CurrentPrincipal() principal: Principal, @Args('kind') kind: MergeKind, @Args('id') id: string) {
    return this.merges.history(principal, kind, id);
  }

  @Mutation('mergeContacts')
  mergeContacts(@CurrentPrincipal() principal: Principal, @Args('input') input: MergeInput) {
    return this.merges.merge(principal, 'CONTACT', input);
  }

  @Mutation('unmergeContacts')
  unmergeContacts(
    @CurrentPrincipal() principal: Principal,
    @Args('mergeId') mergeId: string,
    @Args('fieldChoices') fieldChoices?: UnmergeChoice[] | null,
  ) {
    return this.merges.unmerge(principal, 'CONTACT', mergeId, fieldChoices);
  }

  @Mutation('mergeAccounts')
  mergeAccounts(@CurrentPrincipal() principal: Principal, @Args('input') input: MergeInput) {
    return this.merges.merge(principal, 'ACCOUNT', input);
  }

  @Mutation('unmergeAccounts')
  unmergeAccounts(
    @CurrentPrincipal() principal: Principal,
    @Args('mergeId') mergeId: string,
    @Args('fieldChoices') fieldChoices?: UnmergeChoice[] | null,
  ) {
    return this.merges.unmerge(principal, 'ACCOUNT', mergeId, fieldChoices);
  }

  @ResolveField('mergedBy')
  mergedBy(@Parent() m: MergeRecord) {
    return m.mergedBy ? { __typename: 'User', id: m.mergedBy } : null;
  }

  @ResolveField('unmergedBy')
  unmergedBy(@Parent() m: MergeRecord) {
    return m.unmergedBy ? { __typename: 'User', id: m.unmergedBy } : null;
  }
}
