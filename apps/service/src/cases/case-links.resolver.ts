import { Args, Context, Parent, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import type { CaseStatusV1 } from '@rapport/contracts';
import { ContactVisibility, type GraphQLRequestContext, type PageArgs } from '@rapport/service-kit';
import { CasesService } from './cases.service';

type CasesArgs = PageArgs & { status?: CaseStatusV1 | null };

/**
 * Contact.cases: any contact id is a valid reference here (sales decides
 * whether the contact exists). A contact the tenant's CONTACT sharing hides
 * from the caller answers NOT_FOUND here too; the list is scoped like
 * Query.cases, so a customer finds only their own cases whichever contact
 * they ask about.
 */
@Resolver('Contact')
export class ContactCasesResolver {
  constructor(
    private readonly cases: CasesService,
    private readonly contacts: ContactVisibility,
  ) {}

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }) {
    return { id: ref.id };
  }

  @ResolveField('cases')
  async casesOf(@Parent() contact: { id: string }, @Context() context: GraphQLRequestContext, @Args() args: CasesArgs) {
    const principal = requirePrincipal(context.principal);
    await this.contacts.require(context, principal, contact.id);
    return this.cases.list(principal, {
      first: args.first,
      after: args.after,
      last: args.last,
      before: args.before,
      filter: { status: args.status, contactId: contact.id },
    });
  }
}

/** Account.cases, scoped the same way. */
@Resolver('Account')
export class AccountCasesResolver {
  constructor(private readonly cases: CasesService) {}

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }) {
    return { id: ref.id };
  }

  @ResolveField('cases')
  casesOf(@Parent() account: { id: string }, @CurrentPrincipal() principal: Principal | null, @Args() args: CasesArgs) {
    return this.cases.list(requirePrincipal(principal), {
      first: args.first,
      after: args.after,
      last: args.last,
      before: args.before,
      filter: { status: args.status, accountId: account.id },
    });
  }
}
