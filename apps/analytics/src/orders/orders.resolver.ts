import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import { orderView, recordResultView } from './order-view';
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
    const page = await this.orders.list(principal, args);
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: orderView(e.node) })) };
  }
}
