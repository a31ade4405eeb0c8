import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import type { RfmSettingsChange } from './rfm-settings';
import { RfmScheduler } from './rfm-scheduler';
import { RfmService } from './rfm.service';

@Resolver('Rfm')
export class RfmResolver {
  constructor(
    private readonly rfm: RfmService,
    private readonly scheduler: RfmScheduler,
  ) {}

  @Mutation('recomputeRfm')
  recompute(@CurrentPrincipal() principal: Principal, @Args('input') input: (RfmSettingsChange & { asOf?: Date | null }) | null) {
    return this.rfm.recomputeFor(principal, input);
  }

  @Mutation('startRfmRecompute')
  start(@CurrentPrincipal() principal: Principal, @Args('input') input: (RfmSettingsChange & { asOf?: Date | null }) | null) {
    return this.rfm.startFor(principal, input, (tenantId, runId, actor) => this.scheduler.enqueueRun(tenantId, runId, actor));
  }

  @Query('rfmRecomputeRun')
  recomputeRun(@CurrentPrincipal() principal: Principal, @Args('id') id: string | null) {
    return this.rfm.run(principal, id);
  }

  @Query('rfmSegments')
  segments(@CurrentPrincipal() principal: Principal) {
    return this.rfm.segments(principal);
  }
}
