import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Public } from '@rapport/auth';
import { AuthService } from './auth.service';
import type { TokenPair } from './token-issuer';

@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Mutation('login')
  login(@Args('input') input: { tenant: string; email: string; password: string }, @Context('ip') ip: string): Promise<TokenPair> {
    return this.auth.login(input, ip);
  }

  @Public()
  @Mutation('refreshToken')
  refreshToken(@Args('input') input: { refreshToken: string }): Promise<TokenPair> {
    return this.auth.refresh(input.refreshToken);
  }

  @Public()
  @Mutation('logout')
  logout(@Args('input') input: { refreshToken: string }): Promise<boolean> {
    return this.auth.logout(input.refreshToken);
  }
}
