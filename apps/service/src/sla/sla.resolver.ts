import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { RoutingService } from '../routing/routing.service';
import { hoursOf, SlaPoliciesService, type CalendarView, type SlaPolicyView } from './sla-policies.service';

@Resolver('SlaPolicy')
export class SlaResolver {
  constructor(
    private readonly policies: SlaPoliciesService,
    private readonly routing: RoutingService,
  ) {}

  @Query('slaPolicies')
  list(@CurrentPrincipal() principal: Principal) {
    return this.policies.listPolicies(principal);
  }

  @Query('customerTier')
  customerTier(@CurrentPrincipal() principal: Principal, @Args('contactId') contactId: string) {
    return this.policies.customerTier(principal, contactId);
  }

  @Mutation('createBusinessCalendar')
  async createCalendar(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: Parameters<SlaPoliciesService['createCalendar']>[1],
  ) {
    return { calendar: await this.policies.createCalendar(principal, input) };
  }

  @Mutation('setSlaPolicy')
  async setPolicy(@CurrentPrincipal() principal: Principal, @Args('input') input: Parameters<SlaPoliciesService['setPolicy']>[1]) {
    return { policy: await this.policies.setPolicy(principal, input) };
  }

  @ResolveField('calendar')
  calendar(@Parent() p: SlaPolicyView, @Context() context: GraphQLRequestContext) {
    if (!p.calendarId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'calendarById', (ids) => this.policies.calendarsById(principal, ids)).load(p.calendarId);
  }

  @ResolveField('escalationQueue')
  escalationQueue(@Parent() p: SlaPolicyView, @Context() context: GraphQLRequestContext) {
    if (!p.escalationQueueId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'queueById', (ids) => this.routing.getQueues(principal, ids)).load(p.escalationQueueId);
  }
}

@Resolver('BusinessCalendar')
export class BusinessCalendarResolver {
  @ResolveField('hours')
  hours(@Parent() c: CalendarView) {
    return hoursOf(c);
  }
}
