import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { ContactVisibility, type GraphQLRequestContext } from '@rapport/service-kit';
import { orderConnection, recordResultView } from './order-view';
import { OrdersService, type ListOrdersArgs, type RecordOrdersInput } from './orders.service';

@Resolver('Order')
export class OrdersResolver {
  constructor(private readonly orders: OrdersService) {}

  @Mutation('recordOrders')
  async record(@CurrentPrincipal() principal: Principal, @Args('input') input: RecordOrdersInput) {
    const outcome = await this.orders.record(principal, input);
    return { ...outcome, results: outcome.results.map(recordResultView) };
  }

  @Query('orders')
  async list(@CurrentPrincipal() principal: Principal, @Args() args: ListOrdersArgs) {
    return orderConnection(await this.orders.list(principal, args));
  }
}

/** Contact.orders: the same page as Query.orders for one contact. */
@Resolver('Contact')
export class ContactOrdersResolver {
  constructor(
    private readonly orders: OrdersService,
    private readonly contacts: ContactVisibility,
  ) {}

  @ResolveField('orders')
  async ordersOf(
    @Parent() contact: { id: string },
    @Context() context: GraphQLRequestContext,
    @Args() args: Omit<ListOrdersArgs, 'contactId'>,
  ) {
    const principal = requirePrincipal(context.principal);
    await this.contacts.require(context, principal, contact.id);
    return orderConnection(await this.orders.list(principal, { ...args, contactId: contact.id }));
  }
}
