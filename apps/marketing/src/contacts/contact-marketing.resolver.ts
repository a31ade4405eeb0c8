import { Args, Context, Parent, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { requirePrincipal } from '@rapport/auth';
import { ContactVisibility, requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { CampaignsService } from '../campaigns/campaigns.service';
import { ConsentHistoryService, type ConsentHistoryArgs } from '../consent/consent-history.service';
import { ConsentService, type ConsentView } from '../consent/consent.service';
import { JourneysService } from '../journeys/journeys.service';
import { ContactMarketingService, type ContactMarketingView, type TouchView } from './contact-marketing.service';

/**
 * Marketing's fields on the sales-owned Contact, batched per request. Any
 * contact id is a valid reference (sales decides whether it exists).
 */
@Resolver('Contact')
export class ContactMarketingResolver {
  constructor(
    private readonly consent: ConsentService,
    private readonly history: ConsentHistoryService,
    private readonly marketing: ContactMarketingService,
    private readonly contacts: ContactVisibility,
  ) {}

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }) {
    return { id: ref.id };
  }

  @ResolveField('consents')
  async consents(@Parent() contact: { id: string }, @Context() context: GraphQLRequestContext): Promise<ConsentView[]> {
    const principal = requirePrincipal(context.principal);
    await this.contacts.require(context, principal, contact.id);
    return requestLoader(context, 'consentsByContact', async (ids) => this.consent.consentsOf(principal, ids))
      .load(contact.id)
      .then((list) => list ?? []);
  }

  /** Guarded as consents are: a contact hidden by the sharing rules is NOT_FOUND before the CONSENTS group is checked. */
  @ResolveField('consentHistory')
  async consentHistory(@Parent() contact: { id: string }, @Args() args: ConsentHistoryArgs, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    await this.contacts.require(context, principal, contact.id);
    return this.history.historyOf(principal, contact.id, args);
  }

  @ResolveField('marketing')
  async marketingOf(@Parent() contact: { id: string }, @Context() context: GraphQLRequestContext): Promise<ContactMarketingView | null> {
    const principal = requirePrincipal(context.principal);
    await this.contacts.require(context, principal, contact.id);
    return (await requestLoader(context, 'marketingByContact', (ids) => this.marketing.getMany(principal, ids)).load(contact.id)) ?? null;
  }
}

@Resolver('ContactMarketing')
export class ContactMarketingFieldsResolver {
  constructor(private readonly marketing: ContactMarketingService) {}

  @ResolveField('segments')
  segments(@Parent() view: ContactMarketingView, @Context() context: GraphQLRequestContext) {
    return this.marketing.segmentsOf(requirePrincipal(context.principal), view);
  }

  @ResolveField('lastTouches')
  lastTouches(@Parent() view: ContactMarketingView, @Args('first') first: number | null, @Context() context: GraphQLRequestContext) {
    return this.marketing.lastTouches(requirePrincipal(context.principal), view, first);
  }

  @ResolveField('suppression')
  suppression(@Parent() view: ContactMarketingView, @Context() context: GraphQLRequestContext) {
    return this.marketing.suppression(requirePrincipal(context.principal), view);
  }

  @ResolveField('marketingPaused')
  paused(@Parent() view: ContactMarketingView): boolean {
    return view.openComplaints > 0;
  }

  @ResolveField('journeys')
  journeys(@Parent() view: ContactMarketingView, @Context() context: GraphQLRequestContext) {
    return this.marketing.journeysOf(requirePrincipal(context.principal), view);
  }
}

@Resolver('MessageTouch')
export class MessageTouchResolver {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly journeys: JourneysService,
  ) {}

  @ResolveField('campaign')
  campaign(@Parent() touch: TouchView, @Context() context: GraphQLRequestContext) {
    if (!touch.campaignId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'touchCampaigns', (ids) => this.campaigns.getMany(principal, ids)).load(touch.campaignId);
  }

  @ResolveField('journey')
  journey(@Parent() touch: TouchView, @Context() context: GraphQLRequestContext) {
    if (!touch.journeyId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'touchJourneys', (ids) => this.journeys.getMany(principal, ids)).load(touch.journeyId);
  }
}
