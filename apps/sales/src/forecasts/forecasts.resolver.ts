import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { PipelinesService } from '../pipelines/pipelines.service';
import type { PeriodInput } from './forecast-rules';
import { ForecastsService, type Forecast, type ForecastLine, type PipelineMetrics } from './forecasts.service';

const user = (id: string | null) => (id ? { __typename: 'User', id } : null);

@Resolver('Forecast')
export class ForecastsResolver {
  constructor(
    private readonly forecasts: ForecastsService,
    private readonly pipelines: PipelinesService,
  ) {}

  @Query('forecast')
  forecast(
    @CurrentPrincipal() principal: Principal,
    @Args('period') period: PeriodInput,
    @Args('ownerId') ownerId: string | null,
    @Args('pipelineId') pipelineId: string | null,
  ) {
    return this.forecasts.forecast(principal, { period, ownerId, pipelineId });
  }

  @ResolveField('categories')
  categories(@Parent() f: Forecast) {
    return f.lines;
  }

  @ResolveField('owner')
  owner(@Parent() f: Forecast) {
    return user(f.ownerId);
  }

  @ResolveField('pipeline')
  pipeline(@Parent() f: Forecast, @Context() context: GraphQLRequestContext) {
    if (!f.pipelineId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'pipelineById', (ids) => this.pipelines.getMany(principal, ids)).load(f.pipelineId);
  }
}

@Resolver('ForecastCategoryTotal')
export class ForecastCategoryTotalResolver {
  @ResolveField('byOwner')
  byOwner(@Parent() l: ForecastLine) {
    return l.byOwner.map((o) => ({ ...o, owner: user(o.ownerId) }));
  }
}

@Resolver('PipelineMetrics')
export class PipelineMetricsResolver {
  constructor(private readonly forecasts: ForecastsService) {}

  @Query('pipelineMetrics')
  pipelineMetrics(
    @CurrentPrincipal() principal: Principal,
    @Args('pipelineId') pipelineId: string,
    @Args('from') from: string,
    @Args('to') to: string,
    @Args('ownerId') ownerId: string | null,
  ) {
    return this.forecasts.pipelineMetrics(principal, { pipelineId, from, to, ownerId });
  }

  @ResolveField('owner')
  owner(@Parent() m: PipelineMetrics) {
    return user(m.ownerId);
  }
}
