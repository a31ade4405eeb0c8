import { Args, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { AccessPolicy } from '@rapport/service-kit';
import { ContactsService, type ListContactsArgs } from '../contacts/contacts.service';
import type { AccountEntity } from './account.entity';
import { AccountsService, type CreateAccountInput } from './accounts.service';

@Resolver('Account')
export class AccountsResolver {
  constructor(
    private readonly accounts: AccountsService,
    private readonly contacts: ContactsService,
    private readonly access: AccessPolicy,
  ) {}

  @Query('account')
  account(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.accounts.get(principal, id);
  }

  @Query('accountByExternalId')
  byExternalId(@CurrentPrincipal() principal: Principal, @Args('source') source: string, @Args('key') key: string) {
    return this.accounts.getByExternalId(principal, source, key);
  }

  @Query('accounts')
  list(@CurrentPrincipal() principal: Principal, @Args() args: Parameters<AccountsService['list']>[1]) {
    return this.accounts.list(principal, args);
  }

  @Mutation('createAccount')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateAccountInput) {
    return this.accounts.createChecked(principal, input);
  }

  @Mutation('updateAccount')
  async update(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string } & Partial<CreateAccountInput>) {
    return { account: await this.accounts.update(principal, input) };
  }

  @ResolveField('owner')
  owner(@Parent() account: AccountEntity) {
    return account.ownerId ? { __typename: 'User', id: account.ownerId } : null;
  }

  /** Postal addresses are CONTACT_DETAILS, as on contacts. */
  @ResolveField('addresses')
  async addresses(@Parent() account: AccountEntity, @CurrentPrincipal() principal: Principal | null) {
    await this.access.require(requirePrincipal(principal), 'CONTACT_DETAILS');
    return account.addresses;
  }

  @ResolveField('mergedInto')
  mergedInto(@Parent() account: AccountEntity, @CurrentPrincipal() principal: Principal | null) {
    return account.mergedInto ? this.accounts.get(requirePrincipal(principal), account.mergedInto) : null;
  }

  @ResolveField('contacts')
  contactsOf(@Parent() account: AccountEntity, @CurrentPrincipal() principal: Principal | null, @Args() args: ListContactsArgs) {
    return this.contacts.list(requirePrincipal(principal), { ...args, filter: { accountId: account.id } });
  }

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }, @CurrentPrincipal() principal: Principal | null) {
    return this.accounts.get(requirePrincipal(principal), ref.id);
  }
}
