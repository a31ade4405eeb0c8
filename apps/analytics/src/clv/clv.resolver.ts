import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { ContactVisibility, requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { clvModelView } from './clv-model-view';
import type { ClvSettingsChange } from './clv-settings';
import { clvFor, ClvService, expectedPurchasesFor, type CustomerValueView, type FitClvModelInput } from './clv.service';

@Resolver('ClvModel')
export class ClvResolver {
  constructor(private readonly clv: ClvService) {}

  @Mutation('fitClvModel')
  async fit(@CurrentPrincipal() principal: Principal, @Args('input') input: FitClvModelInput) {
    return clvModelView(await this.clv.requestFit(principal, input));
  }

  @Mutation('activateClvModel')
  async activate(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return clvModelView(await this.clv.activateModel(principal, id));
  }

  @Mutation('updateClvSettings')
  updateSettings(@CurrentPrincipal() principal: Principal, @Args('input') input: ClvSettingsChange) {
    return this.clv.updateSettings(principal, input);
  }

  @Query('clvSettings')
  settings(@CurrentPrincipal() principal: Principal) {
    return this.clv.settings(principal);
  }

  @Query('compareClvModels')
  async compare(@CurrentPrincipal() principal: Principal, @Args('ids') ids: string[]) {
    return (await this.clv.compare(principal, ids)).map((c) => ({ ...c, model: clvModelView(c.model) }));
  }

  @Query('clvModel')
  async latest(@CurrentPrincipal() principal: Principal) {
    const model = await this.clv.latestModel(principal);
    return model ? clvModelView(model) : null;
  }

  @Query('clvScoringRun')
  scoringRun(@CurrentPrincipal() principal: Principal) {
    return this.clv.scoringRun(principal);
  }

  @Query('clvModels')
  async history(@CurrentPrincipal() principal: Principal, @Args('first') first: number | null) {
    return (await this.clv.models(principal, first)).map(clvModelView);
  }

  @Query('clvTiers')
  tiers(@CurrentPrincipal() principal: Principal) {
    return this.clv.tiers(principal);
  }

  @Query('topCustomers')
  top(@CurrentPrincipal() principal: Principal, @Args('first') first: number | null) {
    return this.clv.topCustomers(principal, first);
  }

  @Query('worstCustomers')
  worstCustomers(@CurrentPrincipal() principal: Principal, @Args('first') first: number | null) {
    return this.clv.worstCustomers(principal, first);
  }

  @Query('cantLoseThem')
  cantLoseThem(@CurrentPrincipal() principal: Principal, @Args('first') first: number | null) {
    return this.clv.cantLoseThem(principal, first);
  }
}

/** Fields of CustomerValue that take arguments: the defaults are stored, other horizons computed on the fly. */
@Resolver('CustomerValue')
export class CustomerValueResolver {
  @ResolveField('expectedPurchases')
  expectedPurchases(@Parent() value: CustomerValueView, @Args('periods') periods: number | null) {
    return expectedPurchasesFor(value, periods);
  }

  @ResolveField('clv')
  clv(
    @Parent() value: CustomerValueView,
    @Args('horizonWeeks') horizonWeeks: number | null,
    @Args('annualDiscountRate') annualDiscountRate: number | null,
  ) {
    return clvFor(value, horizonWeeks, annualDiscountRate);
  }
}

/** Contact.value on the sales-owned Contact, batched per request (the reference is resolved by ContactRfmResolver). */
@Resolver('Contact')
export class ContactValueResolver {
  constructor(
    private readonly clv: ClvService,
    private readonly contacts: ContactVisibility,
  ) {}

  @ResolveField('value')
  async customerValue(@Parent() contact: { id: string }, @Context() context: GraphQLRequestContext): Promise<CustomerValueView | null> {
    const principal = requirePrincipal(context.principal);
    await this.contacts.require(context, principal, contact.id);
    return requestLoader(context, 'valueByContact', (ids) => this.clv.getMany(principal, ids)).load(contact.id);
  }
}
