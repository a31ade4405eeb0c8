import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import type { RfmSettingsChange } from './rfm-settings';
import { RfmService } from './rfm.service';

@Resolver('Rfm')
export class RfmResolver {
  constructor(private readonly rfm: RfmService) {}

  @Mutation('recomputeRfm')
  recompute(@CurrentPrincipal() principal: Principal, @Args('input') input: (RfmSettingsChange & { asOf?: Date | null }) | null) {
    return this.rfm.recomputeFor(principal, input);
  }

  @Query('rfmSegments')
  segments(@CurrentPrincipal() principal: Principal) {
    return this.rfm.segments(principal);
  }
}
