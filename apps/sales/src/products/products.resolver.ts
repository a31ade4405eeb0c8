import { Args, Context, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { presentMoney } from '../opportunities/money-input';
import type { PriceBookEntity, PriceBookEntryEntity } from './price-book.entity';
import type { ProductEntity } from './product.entity';
import {
  ProductsService,
  type CreateProductInput,
  type ProductFilter,
  type SetPricesInput,
  type UpdateProductInput,
} from './products.service';

@Resolver('Product')
export class ProductsResolver {
  constructor(private readonly products: ProductsService) {}

  @Query('product')
  product(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.products.get(principal, id);
  }

  @Query('products')
  list(@CurrentPrincipal() principal: Principal, @Args() args: { first?: number; after?: string; filter?: ProductFilter }) {
    return this.products.list(principal, args);
  }

  @Mutation('createProduct')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateProductInput) {
    return { product: await this.products.create(principal, input) };
  }

  @Mutation('updateProduct')
  async update(@CurrentPrincipal() principal: Principal, @Args('input') input: UpdateProductInput) {
    return { product: await this.products.update(principal, input) };
  }

  @ResolveField('standardPrices')
  async standardPrices(@Parent() p: ProductEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    const entries = await requestLoader(context, 'standardPricesByProduct', (ids) => this.products.standardPricesOf(principal, ids)).load(
      p.id,
    );
    return (entries ?? []).map((e) => presentMoney(e.unitPrice, e.currency));
  }

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }, @CurrentPrincipal() principal: Principal | null) {
    return this.products.get(requirePrincipal(principal), ref.id);
  }
}

@Resolver('PriceBook')
export class PriceBooksResolver {
  constructor(private readonly products: ProductsService) {}

  @Query('priceBook')
  priceBook(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.products.priceBook(principal, id);
  }

  @Query('priceBooks')
  priceBooks(@CurrentPrincipal() principal: Principal) {
    return this.products.priceBooks(principal);
  }

  @Query('standardPriceBook')
  standardPriceBook(@CurrentPrincipal() principal: Principal) {
    return this.products.standardPriceBook(principal);
  }

  @Mutation('createPriceBook')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: { name: string; forTier?: string | null }) {
    return { priceBook: await this.products.createPriceBook(principal, input) };
  }

  @Mutation('setPrices')
  async setPrices(@CurrentPrincipal() principal: Principal, @Args('input') input: SetPricesInput) {
    return { priceBook: await this.products.setPrices(principal, input) };
  }

  @ResolveField('entries')
  entries(@Parent() book: PriceBookEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'entriesByPriceBook', (ids) => this.products.entriesOf(principal, ids)).load(book.id);
  }
}

@Resolver('PriceBookEntry')
export class PriceBookEntryResolver {
  constructor(private readonly products: ProductsService) {}

  @ResolveField('product')
  product(@Parent() e: PriceBookEntryEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'productById', (ids) => this.products.getMany(principal, ids)).load(e.productId);
  }

  @ResolveField('unitPrice')
  unitPrice(@Parent() e: PriceBookEntryEntity) {
    return presentMoney(e.unitPrice, e.currency);
  }
}
