import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, Public, type Principal } from '@rapport/auth';
import { InvitationsService, type InviteUserInput } from './invitations.service';

@Resolver()
export class InvitationsResolver {
  constructor(private readonly invitations: InvitationsService) {}

  @Mutation('inviteUser')
  async inviteUser(@CurrentPrincipal() principal: Principal, @Args('input') input: InviteUserInput) {
    return { invitation: await this.invitations.invite(principal, input) };
  }

  @Query('invitations')
  list(@CurrentPrincipal() principal: Principal) {
    return this.invitations.list(principal);
  }

  @Mutation('revokeInvitation')
  async revokeInvitation(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return { invitation: await this.invitations.revoke(principal, id) };
  }

  /** Public: the invitee has no account yet; the token is the credential. */
  @Public()
  @Mutation('acceptInvitation')
  acceptInvitation(@Args('input') input: { token: string; displayName: string; password: string }) {
    return this.invitations.accept(input);
  }
}
