import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { RoutingService } from '../routing/routing.service';
import type { MetricsGroup } from './metrics-rows';
import { MetricsService } from './metrics.service';

@Resolver('ServiceMetricsGroup')
export class MetricsResolver {
  constructor(
    private readonly metrics: MetricsService,
    private readonly routing: RoutingService,
  ) {}

  @Query('serviceMetrics')
  serviceMetrics(
    @CurrentPrincipal() principal: Principal,
    @Args('period') period: { from: Date; to: Date },
    @Args('queueId') queueId?: string | null,
  ) {
    return this.metrics.metrics(principal, { period, queueId });
  }

  @ResolveField('queue')
  queue(@Parent() g: MetricsGroup, @Context() context: GraphQLRequestContext) {
    if (!g.queueId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'queueById', (ids) => this.routing.getQueues(principal, ids)).load(g.queueId);
  }

  @ResolveField('agent')
  agent(@Parent() g: MetricsGroup) {
    return g.ownerId ? { __typename: 'User', id: g.ownerId } : null;
  }
}
