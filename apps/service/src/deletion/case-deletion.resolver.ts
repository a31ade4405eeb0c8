import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import type { GraphQLRequestContext } from '@rapport/service-kit';
import type { CaseEntity } from '../cases/case.entity';
import { CaseCustomers } from '../customers/case-customers';
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

/** Case.contactDeleted / accountDeleted, from service's projection of sales' deletions. */
@Resolver('Case')
export class CaseCustomerDeletedResolver {
  constructor(private readonly customers: CaseCustomers) {}

  @ResolveField('contactDeleted')
  async contactDeleted(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    return c.contactId ? ((await this.customers.deletedLoader(context, 'CONTACT').load(c.contactId)) ?? false) : false;
  }

  @ResolveField('accountDeleted')
  async accountDeleted(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    return c.accountId ? ((await this.customers.deletedLoader(context, 'ACCOUNT').load(c.accountId)) ?? false) : false;
  }
}
