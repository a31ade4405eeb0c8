import { Args, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, requireRole, type Principal } from '@rapport/auth';
import { requireStaffDetails } from './user-visibility';
import { TenantsService } from '../tenants/tenants.service';
import type { UserEntity } from './user.entity';
import { UsersService } from './users.service';

@Resolver('User')
export class UsersResolver {
  constructor(
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
  ) {}

  @Query('me')
  async me(@CurrentPrincipal() principal: Principal) {
    return {
      kind: principal.kind,
      tenant: await this.tenants.get(principal.tenantId),
      user: principal.kind === 'apiKey' ? null : await this.users.findById(principal, principal.id),
      roles: principal.roles,
      scopes: principal.scopes,
    };
  }

  @Query('users')
  list(@CurrentPrincipal() principal: Principal): Promise<UserEntity[]> {
    return this.users.list(principal);
  }

  @Mutation('createUser')
  async createUser(
    @CurrentPrincipal() principal: Principal,
    @Args('input')
    input: { email: string; displayName: string; password: string; roles: string[]; contactId?: string | null; managerId?: string | null },
  ) {
    return { user: await this.users.createUser(principal, input) };
  }

  @Mutation('updateUser')
  async updateUser(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { id: string; displayName?: string | null; roles?: string[] | null; managerId?: string | null },
  ) {
    return { user: await this.users.updateUser(principal, input) };
  }

  @Mutation('deactivateUser')
  async deactivateUser(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return { user: await this.users.deactivateUser(principal, id) };
  }

  @Mutation('reactivateUser')
  async reactivateUser(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return { user: await this.users.reactivateUser(principal, id) };
  }

  @ResolveField('active')
  active(@Parent() user: UserEntity): boolean {
    return !user.disabled;
  }

  @ResolveField('email')
  email(@Parent() user: UserEntity, @CurrentPrincipal() principal: Principal | null): string {
    requireStaffDetails(requirePrincipal(principal), user);
    return user.email;
  }

  @ResolveField('roles')
  roles(@Parent() user: UserEntity, @CurrentPrincipal() principal: Principal | null): string[] {
    requireStaffDetails(requirePrincipal(principal), user);
    return user.roles;
  }

  @ResolveField('ratePerMinute')
  ratePerMinute(@Parent() user: UserEntity, @CurrentPrincipal() principal: Principal | null): number | null {
    const caller = requirePrincipal(principal);
    if (caller.id !== user.id) requireRole(caller, 'admin');
    return user.ratePerMinute;
  }

  @ResolveField('managerId')
  managerId(@Parent() user: UserEntity, @CurrentPrincipal() principal: Principal | null): string | null {
    requireStaffDetails(requirePrincipal(principal), user);
    return user.managerId;
  }

  /** Other subgraphs reference users (e.g. Contact.owner); RLS keeps this within the caller's tenant. */
  @ResolveReference()
  resolveReference(@Parent() reference: { id: string }, @CurrentPrincipal() principal: Principal | null): Promise<UserEntity | null> {
    return this.users.findById(requirePrincipal(principal), reference.id);
  }
}
