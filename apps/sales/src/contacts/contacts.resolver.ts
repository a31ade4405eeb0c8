import { Args, Context, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, forbidden, requirePrincipal, type Principal } from '@rapport/auth';
import { AccessPolicy, requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { AccountsService } from '../accounts/accounts.service';
import type { ContactEntity } from './contact.entity';
import { ContactsService, type CreateContactInput, type ListContactsArgs, type UpdateContactInput } from './contacts.service';

@Resolver('Contact')
export class ContactsResolver {
  constructor(
    private readonly contacts: ContactsService,
    private readonly accounts: AccountsService,
    private readonly access: AccessPolicy,
  ) {}

  @Query('contact')
  contact(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.contacts.get(principal, id);
  }

  @Query('contactByExternalId')
  byExternalId(@CurrentPrincipal() principal: Principal, @Args('source') source: string, @Args('key') key: string) {
    return this.contacts.getByExternalId(principal, source, key);
  }

  @Query('contacts')
  list(@CurrentPrincipal() principal: Principal, @Args() args: ListContactsArgs) {
    return this.contacts.list(principal, args);
  }

  @Mutation('createContact')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateContactInput) {
    return this.contacts.createChecked(principal, input);
  }

  @Mutation('updateContact')
  async update(@CurrentPrincipal() principal: Principal, @Args('input') input: UpdateContactInput) {
    return { contact: await this.contacts.update(principal, input) };
  }

  @ResolveField('account')
  account(@Parent() contact: ContactEntity, @Context() context: GraphQLRequestContext) {
    if (!contact.accountId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'accountById', (ids) => this.accounts.getMany(principal, ids)).load(contact.accountId);
  }

  @ResolveField('mergedInto')
  mergedInto(@Parent() contact: ContactEntity, @Context() context: GraphQLRequestContext) {
    if (!contact.mergedInto) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'mergedContactById', (ids) => this.contacts.getMany(principal, ids)).load(contact.mergedInto);
  }

  @ResolveField('emails')
  emails(@Parent() contact: ContactEntity, @Context() context: GraphQLRequestContext) {
    return this.contactDetail(context, contact.emails);
  }

  @ResolveField('phones')
  phones(@Parent() contact: ContactEntity, @Context() context: GraphQLRequestContext) {
    return this.contactDetail(context, contact.phones);
  }

  @ResolveField('addresses')
  addresses(@Parent() contact: ContactEntity, @Context() context: GraphQLRequestContext) {
    return this.contactDetail(context, contact.addresses);
  }

  /** Tags are the team's own labels: staff only. */
  @ResolveField('tags')
  tags(@Parent() contact: ContactEntity, @Context() context: GraphQLRequestContext) {
    if (requirePrincipal(context.principal).kind === 'customer') throw forbidden('tags are for staff only');
    return contact.tags;
  }

  /** Emails, phones and addresses are CONTACT_DETAILS: a caller without it gets null and FORBIDDEN for each. */
  private async contactDetail<T>(context: GraphQLRequestContext, value: T): Promise<T> {
    await this.access.require(requirePrincipal(context.principal), 'CONTACT_DETAILS');
    return value;
  }

  @ResolveField('owner')
  owner(@Parent() contact: ContactEntity) {
    return contact.ownerId ? { __typename: 'User', id: contact.ownerId } : null;
  }

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }, @CurrentPrincipal() principal: Principal | null) {
    return this.contacts.get(requirePrincipal(principal), ref.id);
  }
}
