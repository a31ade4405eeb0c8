import { Args, Context, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { AccountsService } from '../accounts/accounts.service';
import { ContactsService } from '../contacts/contacts.service';
import { presentMoney } from '../opportunities/money-input';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import type { OpportunityEntity } from '../opportunities/opportunity.entity';
import { ProductsService } from '../products/products.service';
import type { QuoteEntity, QuoteLineEntity } from './quote.entity';
import { effectiveStatus } from './quote-rules';
import { plainDecimal } from './quote-snapshot';
import type { AcceptQuoteInput, CreateQuoteInput, UpdateQuoteInput } from './quote-input';
import { QuotesService } from './quotes.service';

/** Where GET /quotes/:id.pdf serves the quote (relative to the sales service). */
export function quotePdfPath(id: string): string {
  return `/quotes/${id}.pdf`;
}

@Resolver('Quote')
export class QuotesResolver {
  constructor(
    private readonly quotes: QuotesService,
    private readonly opportunities: OpportunitiesService,
    private readonly accounts: AccountsService,
    private readonly contacts: ContactsService,
    private readonly products: ProductsService,
  ) {}

  @Query('quote')
  quote(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.quotes.get(principal, id);
  }

  @Mutation('createQuote')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateQuoteInput) {
    return { quote: await this.quotes.create(principal, input) };
  }

  @Mutation('updateQuote')
  async update(@CurrentPrincipal() principal: Principal, @Args('input') input: UpdateQuoteInput) {
    return { quote: await this.quotes.update(principal, input) };
  }

  @Mutation('sendQuote')
  async send(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    return { quote: await this.quotes.send(principal, input) };
  }

  @Mutation('acceptQuote')
  accept(@CurrentPrincipal() principal: Principal, @Args('input') input: AcceptQuoteInput) {
    return this.quotes.accept(principal, input);
  }

  @Mutation('rejectQuote')
  async reject(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    return { quote: await this.quotes.reject(principal, input) };
  }

  @ResolveField('status')
  status(@Parent() q: QuoteEntity) {
    return effectiveStatus(q);
  }

  @ResolveField('subtotal')
  subtotal(@Parent() q: QuoteEntity) {
    return presentMoney(q.subtotal, q.currency);
  }

  @ResolveField('tax')
  tax(@Parent() q: QuoteEntity) {
    return presentMoney(q.tax, q.currency);
  }

  @ResolveField('total')
  total(@Parent() q: QuoteEntity) {
    return presentMoney(q.total, q.currency);
  }

  @ResolveField('taxRatePercent')
  taxRatePercent(@Parent() q: QuoteEntity) {
    return plainDecimal(q.taxRate);
  }

  @ResolveField('pdfUrl')
  pdfUrl(@Parent() q: QuoteEntity) {
    return quotePdfPath(q.id);
  }

  @ResolveField('lines')
  async lines(@Parent() q: QuoteEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    const lines = await requestLoader(context, 'linesByQuote', (ids) => this.quotes.linesOf(principal, ids)).load(q.id);
    return (lines ?? []).map((l) => ({ ...l, currency: q.currency }));
  }

  @ResolveField('opportunity')
  opportunity(@Parent() q: QuoteEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'opportunityById', (ids) => this.opportunities.getMany(principal, ids)).load(q.opportunityId);
  }

  @ResolveField('account')
  account(@Parent() q: QuoteEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'accountById', (ids) => this.accounts.getMany(principal, ids)).load(q.accountId);
  }

  @ResolveField('contact')
  contact(@Parent() q: QuoteEntity, @Context() context: GraphQLRequestContext) {
    if (!q.contactId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'contactById', (ids) => this.contacts.getMany(principal, ids)).load(q.contactId);
  }

  @ResolveField('priceBook')
  priceBook(@Parent() q: QuoteEntity, @Context() context: GraphQLRequestContext) {
    return this.products.priceBook(requirePrincipal(context.principal), q.priceBookId);
  }

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }, @CurrentPrincipal() principal: Principal | null) {
    return this.quotes.get(requirePrincipal(principal), ref.id);
  }
}

@Resolver('QuoteLine')
export class QuoteLineResolver {
  constructor(private readonly products: ProductsService) {}

  @ResolveField('number')
  number(@Parent() l: QuoteLineEntity) {
    return l.position + 1;
  }

  @ResolveField('product')
  product(@Parent() l: QuoteLineEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'productById', (ids) => this.products.getMany(principal, ids)).load(l.productId);
  }

  @ResolveField('quantity')
  quantity(@Parent() l: QuoteLineEntity) {
    return plainDecimal(l.quantity);
  }

  @ResolveField('discountPercent')
  discountPercent(@Parent() l: QuoteLineEntity) {
    return plainDecimal(l.discountPercent);
  }

  @ResolveField('unitPrice')
  unitPrice(@Parent() l: QuoteLineEntity & { currency: string }) {
    return presentMoney(l.unitPrice, l.currency);
  }

  @ResolveField('lineTotal')
  lineTotal(@Parent() l: QuoteLineEntity & { currency: string }) {
    return presentMoney(l.lineTotal, l.currency);
  }
}

/** Opportunity.quotes. */
@Resolver('Opportunity')
export class OpportunityQuotesResolver {
  constructor(private readonly quotes: QuotesService) {}

  @ResolveField('quotes')
  quotesOf(@Parent() o: OpportunityEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'quotesByOpportunity', (ids) => this.quotes.quotesOf(principal, ids)).load(o.id);
  }
}
