import { Args, Context, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext, type PageArgs } from '@rapport/service-kit';
import { WebhookEndpointsService, type EndpointInput } from './webhook-endpoints.service';
import type { DeliveryRow, EndpointRow } from './webhook-rows';

@Resolver('WebhookEndpoint')
export class WebhookEndpointsResolver {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Query('webhookEndpoints')
  list(@CurrentPrincipal() principal: Principal) {
    return this.endpoints.list(principal);
  }

  @Query('webhookDeliveries')
  deliveries(
    @CurrentPrincipal() principal: Principal,
    @Args()
    args: PageArgs & {
      endpointId: string;
      filter?: { status?: string | null; eventType?: string | null };
    },
  ) {
    return this.endpoints.listDeliveries(principal, args);
  }

  @Mutation('createWebhookEndpoint')
  create(@CurrentPrincipal() principal: Principal, @Args('input') input: EndpointInput) {
    return this.endpoints.create(principal, input);
  }

  @Mutation('updateWebhookEndpoint')
  async update(@CurrentPrincipal() principal: Principal, @Args('input') input: EndpointInput & { id: string; enabled?: boolean | null }) {
    return { endpoint: await this.endpoints.update(principal, input) };
  }

  @Mutation('rotateWebhookSecret')
  rotate(@CurrentPrincipal() principal: Principal, @Args('input') input: { endpointId: string; gracePeriodSeconds?: number | null }) {
    return this.endpoints.rotateSecret(principal, input);
  }

  @Mutation('deleteWebhookEndpoint')
  async delete(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return { deletedEndpointId: await this.endpoints.delete(principal, id) };
  }

  @Mutation('redeliverWebhook')
  async redeliver(@CurrentPrincipal() principal: Principal, @Args('deliveryId') deliveryId: string) {
    return { delivery: await this.endpoints.redeliver(principal, deliveryId) };
  }

  @Mutation('replayWebhookEndpoint')
  replay(@CurrentPrincipal() principal: Principal, @Args('input') input: { endpointId: string; since: Date }) {
    return this.endpoints.replay(principal, input);
  }

  /** For other subgraphs' references (service's notification about a disabled endpoint). */
  @ResolveReference()
  async resolveReference(@Parent() reference: { id: string }, @Context() context: GraphQLRequestContext): Promise<EndpointRow | null> {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'webhookEndpoints', (ids) => this.endpoints.getMany(principal, ids)).load(reference.id);
  }
}

@Resolver('WebhookDelivery')
export class WebhookDeliveriesResolver {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @ResolveField('webhookId')
  webhookId(@Parent() d: DeliveryRow): string {
    return d.eventId;
  }

  @ResolveField('attemptCount')
  attemptCount(@Parent() d: DeliveryRow): number {
    return d.attempts;
  }

  @ResolveField('attempts')
  attempts(@Parent() d: DeliveryRow, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'webhookAttempts', (ids) => this.endpoints.attemptsOf(principal, ids)).load(d.id);
  }
}
