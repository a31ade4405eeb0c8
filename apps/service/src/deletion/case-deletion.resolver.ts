import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import type { CaseEntity } from '../cases/case.entity';
import type { DeletedCaseRow } from './case-deletion-store';
import { CaseDeletionService } from './case-deletion.service';

@Resolver('DeletedCase')
export class DeletedCaseResolver {
  constructor(private readonly deletion: CaseDeletionService) {}

  @Query('deletedCases')
  deletedCases(@CurrentPrincipal() principal: Principal, @Args() args: { first?: number | null; after?: string | null }) {
    return this.deletion.listDeleted(principal, args);
  }

  @Mutation('deleteCase')
  async deleteCase(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    return { deletedCase: await this.deletion.deleteCase(principal, input) };
  }

  @Mutation('restoreCase')
  async restoreCase(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    return { case: await this.deletion.restoreCase(principal, input) };
  }

  @ResolveField('deletedByKind')
  deletedByKind(@Parent() row: DeletedCaseRow) {
    return row.deletedBy.kind;
  }

  @ResolveField('deletedBy')
  deletedBy(@Parent() row: DeletedCaseRow) {
    return row.deletedBy.kind === 'user' && row.deletedBy.id ? { __typename: 'User', id: row.deletedBy.id } : null;
  }
}

/** Case.contactDeleted / accountDeleted, from service's projection of sales' deletions (batched per request). */
@Resolver('Case')
export class CaseCustomerDeletedResolver {
  constructor(private readonly deletion: CaseDeletionService) {}

  @ResolveField('contactDeleted')
  async contactDeleted(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    if (!c.contactId) return false;
    const principal = requirePrincipal(context.principal);
    const loader = requestLoader(context, 'caseContactDeleted', (ids) => this.deletion.customersDeleted(principal, 'CONTACT', ids));
    return (await loader.load(c.contactId)) ?? false;
  }

  @ResolveField('accountDeleted')
  async accountDeleted(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    if (!c.accountId) return false;
    const principal = requirePrincipal(context.principal);
    const loader = requestLoader(context, 'caseAccountDeleted', (ids) => this.deletion.customersDeleted(principal, 'ACCOUNT', ids));
    return (await loader.load(c.accountId)) ?? false;
  }
}
