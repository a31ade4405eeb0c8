import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, notFound, type Principal } from '@rapport/auth';
import { AccountsService } from '../accounts/accounts.service';
import { ContactsService } from '../contacts/contacts.service';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { LeadsService } from '../leads/leads.service';
import { ActivitiesService } from '../activities/activities.service';
import { ProductsService } from '../products/products.service';
import type { DeletedRecordRow, SalesDeletableType } from './deletion-store';
import { DeletionService, type DeleteAccountInput } from './deletion.service';

@Resolver('DeletedRecord')
export class DeletionResolver {
  constructor(
    private readonly deletion: DeletionService,
    private readonly contacts: ContactsService,
    private readonly accounts: AccountsService,
    private readonly opportunities: OpportunitiesService,
    private readonly leads: LeadsService,
    private readonly activities: ActivitiesService,
    private readonly products: ProductsService,
  ) {}

  @Query('deletedRecords')
  deletedRecords(
    @CurrentPrincipal() principal: Principal,
    @Args() args: { type?: SalesDeletableType | null; first?: number | null; after?: string | null },
  ) {
    return this.deletion.listDeleted(principal, args);
  }

  @Mutation('deleteContact')
  deleteContact(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    return this.deletion.deleteContact(principal, input);
  }

  @Mutation('deleteAccount')
  deleteAccount(@CurrentPrincipal() principal: Principal, @Args('input') input: DeleteAccountInput) {
    return this.deletion.deleteAccount(principal, input);
  }

  @Mutation('deleteOpportunity')
  deleteOpportunity(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    return this.deletion.deleteOpportunity(principal, input);
  }

  @Mutation('restoreContact')
  async restoreContact(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    const id = await this.deletion.restore(principal, 'CONTACT', input);
    const contact = await this.contacts.get(principal, id);
    if (!contact) throw notFound('Contact', id);
    return { contact };
  }

  @Mutation('restoreAccount')
  async restoreAccount(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    const id = await this.deletion.restore(principal, 'ACCOUNT', input);
    const account = await this.accounts.get(principal, id);
    if (!account) throw notFound('Account', id);
    return { account };
  }

  @Mutation('restoreOpportunity')
  async restoreOpportunity(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    const id = await this.deletion.restore(principal, 'OPPORTUNITY', input);
    const opportunity = await this.opportunities.get(principal, id);
    if (!opportunity) throw notFound('Opportunity', id);
    return { opportunity };
  }

  @Mutation('deleteLead')
  deleteLead(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    return this.deletion.deleteLead(principal, input);
  }

  @Mutation('restoreLead')
  async restoreLead(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    const id = await this.deletion.restore(principal, 'LEAD', input);
    const lead = await this.leads.get(principal, id);
    if (!lead) throw notFound('Lead', id);
    return { lead };
  }

  @Mutation('deleteActivity')
  deleteActivity(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    return this.deletion.deleteActivity(principal, input);
  }

  @Mutation('restoreActivity')
  async restoreActivity(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    const id = await this.deletion.restore(principal, 'ACTIVITY', input);
    const activity = await this.activities.get(principal, id);
    if (!activity) throw notFound('Activity', id);
    return { activity };
  }

  @Mutation('deleteProduct')
  deleteProduct(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    return this.deletion.deleteProduct(principal, input);
  }

  @Mutation('restoreProduct')
  async restoreProduct(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    const id = await this.deletion.restore(principal, 'PRODUCT', input);
    const product = await this.products.get(principal, id);
    if (!product) throw notFound('Product', id);
    return { product };
  }

  @ResolveField('deletedByKind')
  deletedByKind(@Parent() record: DeletedRecordRow) {
    return record.deletedBy.kind;
  }

  @ResolveField('deletedBy')
  deletedBy(@Parent() record: DeletedRecordRow) {
    return record.deletedBy.kind === 'user' && record.deletedBy.id ? { __typename: 'User', id: record.deletedBy.id } : null;
  }
}
