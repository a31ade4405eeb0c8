import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Public } from '@rapport/auth';
import { PasswordResetService } from './password-reset.service';

/** Both public: whoever forgot their password cannot sign in; the emailed token is the credential. */
@Resolver()
export class PasswordResetResolver {
  constructor(private readonly resets: PasswordResetService) {}

  @Public()
  @Mutation('requestPasswordReset')
  requestPasswordReset(@Args('input') input: { tenant: string; email: string }, @Context('ip') ip: string) {
    return this.resets.request(input, ip);
  }

  @Public()
  @Mutation('resetPassword')
  resetPassword(@Args('input') input: { token: string; password: string }) {
    return this.resets.reset(input);
  }
}
