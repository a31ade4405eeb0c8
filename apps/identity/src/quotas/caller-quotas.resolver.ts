import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import { CallerQuotasService, type SetCallerQuotaInput } from './caller-quotas.service';

@Resolver()
export class CallerQuotasResolver {
  constructor(private readonly quotas: CallerQuotasService) {}

  @Mutation('setCallerQuota')
  set(@CurrentPrincipal() principal: Principal, @Args('input') input: SetCallerQuotaInput) {
    return this.quotas.set(principal, input);
  }
}
