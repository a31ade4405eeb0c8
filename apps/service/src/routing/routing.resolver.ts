import { Args, Context, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { RoutingService, type QueueRuleView, type QueueView } from './routing.service';

@Resolver('SupportQueue')
export class RoutingResolver {
  constructor(private readonly routing: RoutingService) {}

  @Query('supportQueues')
  queues(@CurrentPrincipal() principal: Principal) {
    return this.routing.listQueues(principal);
  }

  @Query('queueRules')
  rules(@CurrentPrincipal() principal: Principal) {
    return this.routing.listRules(principal);
  }

  @Mutation('createSupportQueue')
  async createQueue(@CurrentPrincipal() principal: Principal, @Args('input') input: Parameters<RoutingService['createQueue']>[1]) {
    return { queue: await this.routing.createQueue(principal, input) };
  }

  @Mutation('setQueueMemberAvailability')
  async setAvailability(@CurrentPrincipal() principal: Principal, @Args('input') input: Parameters<RoutingService['setAvailability']>[1]) {
    return { queue: await this.routing.setAvailability(principal, input) };
  }

  @Mutation('addQueueMember')
  async addMember(@CurrentPrincipal() principal: Principal, @Args('input') input: { queueId: string; agentId: string }) {
    return { queue: await this.routing.addMember(principal, input) };
  }

  @Mutation('removeQueueMember')
  async removeMember(@CurrentPrincipal() principal: Principal, @Args('input') input: { queueId: string; agentId: string }) {
    return { queue: await this.routing.removeMember(principal, input) };
  }

  @Mutation('createQueueRule')
  async createRule(@CurrentPrincipal() principal: Principal, @Args('input') input: Parameters<RoutingService['createRule']>[1]) {
    return { rule: await this.routing.createRule(principal, input) };
  }

  @ResolveField('members')
  async members(@Parent() queue: QueueView, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    const members = await requestLoader(context, 'membersByQueue', (ids) => this.routing.membersOf(principal, ids)).load(queue.id);
    return (members ?? []).map((m) => ({ agent: { __typename: 'User', id: m.agentId }, available: m.available }));
  }

  @ResolveReference()
  async resolveReference(@Parent() ref: { id: string }, @CurrentPrincipal() principal: Principal | null) {
    return (await this.routing.getQueues(requirePrincipal(principal), [ref.id])).get(ref.id) ?? null;
  }
}

@Resolver('QueueRule')
export class QueueRuleResolver {
  constructor(private readonly routing: RoutingService) {}

  @ResolveField('queue')
  queue(@Parent() rule: QueueRuleView, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'queueById', (ids) => this.routing.getQueues(principal, ids)).load(rule.queueId);
  }
}
