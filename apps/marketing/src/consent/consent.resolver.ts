import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import { type GraphQLRequestContext, type PageArgs, requestWaitBudget } from '@rapport/service-kit';
import { KnownContacts } from '../contacts/known-contacts';
import type { SendChannel } from '../vocabulary/messages';
import type { SetConsentInput } from './consent-input';
import { ConsentService } from './consent.service';
import { SuppressionsService } from './suppressions.service';

type Channel = SendChannel;

@Resolver()
export class ConsentResolver {
  constructor(
    private readonly consent: ConsentService,
    private readonly suppressions: SuppressionsService,
  ) {}

  @Mutation('setConsent')
  setConsent(@CurrentPrincipal() principal: Principal, @Args('input') input: SetConsentInput, @Context() context: GraphQLRequestContext) {
    return this.consent.set(principal, input, requestWaitBudget(context, KnownContacts.WAIT_MS));
  }

  @Mutation('importConsents')
  importMany(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { consents: SetConsentInput[] },
    @Context() context: GraphQLRequestContext,
  ) {
    return this.consent.importMany(principal, input.consents, requestWaitBudget(context, KnownContacts.WAIT_MS));
  }

  @Mutation('suppressAddress')
  suppress(@CurrentPrincipal() principal: Principal, @Args('input') input: { channel: Channel; address: string; detail?: string | null }) {
    return this.suppressions.suppress(principal, input);
  }

  @Mutation('unsuppressAddress')
  unsuppress(@CurrentPrincipal() principal: Principal, @Args('channel') channel: Channel, @Args('address') address: string) {
    return this.suppressions.unsuppress(principal, channel, address);
  }

  @Mutation('registerPushDevice')
  registerDevice(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { contactId: string; token: string; platform: string },
    @Context() context: GraphQLRequestContext,
  ) {
    return this.suppressions.registerDevice(principal, input, requestWaitBudget(context, KnownContacts.WAIT_MS));
  }

  @Query('suppressions')
  list(@CurrentPrincipal() principal: Principal, @Args() args: PageArgs & { channel?: Channel | null }) {
    return this.suppressions.list(principal, args);
  }
}
