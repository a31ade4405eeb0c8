import { Module } from '@nestjs/common';
import { contactSharingProviders, DateTimeScalar, privacyProviders, RapportServiceModule } from '@rapport/service-kit';
import { CampaignBatchSender } from './campaigns/campaign-batch-sender';
import { CampaignJobs } from './campaigns/campaign-jobs';
import { CampaignLauncher } from './campaigns/campaign-launcher';
import { CampaignsRepository } from './campaigns/campaigns.repository';
import { CampaignsResolver } from './campaigns/campaigns.resolver';
import { CampaignsService } from './campaigns/campaigns.service';
import { JsonScalar } from './common/json.scalar';
import { ConfirmationMailer } from './consent/confirmation-mailer';
import { ConfirmationRequests } from './consent/confirmation-requests';
import { ConsentHistoryService } from './consent/consent-history.service';
import { ConsentResolver } from './consent/consent.resolver';
import { ConsentService } from './consent/consent.service';
import { SuppressionsService } from './consent/suppressions.service';
import { ContactMarketingFieldsResolver, ContactMarketingResolver, MessageTouchResolver } from './contacts/contact-marketing.resolver';
import { ContactMarketingService } from './contacts/contact-marketing.service';
import { KnownContacts } from './contacts/known-contacts';
import { JourneyEngine } from './journeys/journey-engine';
import { JourneyJobs } from './journeys/journey-jobs';
import { JourneyEnrollmentResolver, JourneysResolver } from './journeys/journeys.resolver';
import { JourneysService } from './journeys/journeys.service';
import { LinkSigner } from './links/link-secret.store';
import { PublicLinksController } from './links/public-links.controller';
import { PublicLinks } from './links/public-links.service';
import { marketingDefinition } from './marketing.definition';
import { Attribution } from './measurement/attribution';
import { CampaignResults } from './measurement/campaign-results';
import { CampaignRollout } from './measurement/rollout';
import { AnalyticsProjection } from './read-model/analytics-projection';
import { CaseProjection } from './read-model/case-projection';
import { ContactProjection } from './read-model/contact-projection';
import { MarketingConsumers } from './read-model/marketing-consumers';
import { ReadModelProjector } from './read-model/read-model-projector';
import { ReadModelReplay } from './read-model/read-model-replay';
import { ReadModelResolver } from './read-model/read-model.resolver';
import { SegmentFields } from './segments/segment-fields';
import { SegmentsResolver } from './segments/segments.resolver';
import { SegmentsService } from './segments/segments.service';
import { ChannelRegistry } from './sending/channel-registry';
import { MessageLedger } from './sending/message-ledger';
import { MessageSender } from './sending/message-sender';
import { MarketingSettings } from './settings/marketing-settings';
import { MarketingPersonalData } from './privacy/marketing-personal-data';

@Module({
  imports: [RapportServiceModule.forRoot(marketingDefinition)],
  controllers: [PublicLinksController],
  providers: [
    DateTimeScalar,
    // This service's part in data-subject requests (ADR 034).
    ...privacyProviders(MarketingPersonalData),
    // The CONTACT sharing rule on this service's Contact fields and lists (ADR 016).
    ...contactSharingProviders(),
    JsonScalar,
    MarketingSettings,
    KnownContacts,
    // read model
    ContactProjection,
    CaseProjection,
    AnalyticsProjection,
    ReadModelProjector,
    ReadModelReplay,
    ReadModelResolver,
    MarketingConsumers,
    // consent
    ConsentService,
    ConsentHistoryService,
    ConfirmationRequests,
    ConfirmationMailer,
    SuppressionsService,
    ConsentResolver,
    // sending
    LinkSigner,
    ChannelRegistry,
    MessageLedger,
    MessageSender,
    PublicLinks,
    // segments
    SegmentsService,
    SegmentFields,
    SegmentsResolver,
    // campaigns
    CampaignsRepository,
    CampaignLauncher,
    CampaignBatchSender,
    CampaignJobs,
    CampaignsService,
    CampaignsResolver,
    // measurement
    Attribution,
    CampaignResults,
    CampaignRollout,
    // journeys
    JourneyEngine,
    JourneyJobs,
    JourneysService,
    JourneysResolver,
    JourneyEnrollmentResolver,
    // the contact
    ContactMarketingService,
    ContactMarketingResolver,
    ContactMarketingFieldsResolver,
    MessageTouchResolver,
  ],
})
export class MarketingAppModule {}
