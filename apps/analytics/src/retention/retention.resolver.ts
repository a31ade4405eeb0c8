import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import type { FitRetentionInput } from './retention';
import { RetentionService } from './retention.service';

@Resolver('RetentionFit')
export class RetentionResolver {
  constructor(private readonly retention: RetentionService) {}

  @Query('fitRetention')
  fit(@CurrentPrincipal() principal: Principal, @Args('input') input: FitRetentionInput) {
    return this.retention.fitRetention(principal, input);
  }

  @Query('cohortRetention')
  cohorts(@CurrentPrincipal() principal: Principal, @Args('from') from: Date, @Args('to') to: Date) {
    return this.retention.cohortRetention(principal, from, to);
  }

  @Query('revenueByPeriod')
  revenue(
    @CurrentPrincipal() principal: Principal,
    @Args('period') period: 'MONTH' | 'QUARTER',
    @Args('from') from: Date,
    @Args('to') to: Date,
  ) {
    return this.retention.revenueByPeriod(principal, period, from, to);
  }
}
