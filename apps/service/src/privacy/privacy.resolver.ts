import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import { PrivacyRequestsService } from './privacy-requests.service';

@Resolver()
export class PrivacyResolver {
  constructor(private readonly requests: PrivacyRequestsService) {}

  @Mutation('requestPersonalDataExport')
  requestPersonalDataExport(@CurrentPrincipal() principal: Principal, @Args('input') input: { contactId: string }) {
    return this.requests.requestExport(principal, input);
  }

  @Mutation('requestErasure')
  requestErasure(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { contactId: string; force?: boolean | null; forceReason?: string | null },
  ) {
    return this.requests.requestErasure(principal, input);
  }

  @Mutation('setLegalHold')
  setLegalHold(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { contactId: string; hold: boolean; reason?: string | null },
  ) {
    return this.requests.setLegalHold(principal, input);
  }

  @Query('personalDataExport')
  personalDataExport(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.requests.read(principal, 'EXPORT', id);
  }

  @Query('erasureRequest')
  erasureRequest(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.requests.read(principal, 'ERASURE', id);
  }
}
