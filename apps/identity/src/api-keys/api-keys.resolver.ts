import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { API_SCOPES } from '@rapport/contracts';
import { ApiKeysService } from './api-keys.service';

@Resolver('ApiKey')
export class ApiKeysResolver {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Query('apiKeys')
  list(@CurrentPrincipal() principal: Principal) {
    return this.apiKeys.list(principal);
  }

  @Query('apiScopes')
  scopes(@CurrentPrincipal() principal: Principal) {
    requirePrincipal(principal);
    return API_SCOPES.map((s) => ({ ...s, access: s.access.toUpperCase() }));
  }

  @Mutation('createApiKey')
  create(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { name: string; scopes: string[]; ratePerMinute?: number | null },
  ) {
    return this.apiKeys.create(principal, input);
  }

  @Mutation('revokeApiKey')
  async revoke(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return { apiKey: await this.apiKeys.revoke(principal, id) };
  }
}
