import { Module } from '@nestjs/common';
import {
  DateTimeScalar,
  IdentityUsersConsumer,
  OWNER_WAIT_MS,
  OwnerDirectory,
  privacyProviders,
  RapportServiceModule,
  SERVICE_CONFIG,
  SharingPolicy,
  TeamDirectory,
  UserNames,
} from '@rapport/service-kit';
import { AccountsResolver } from './accounts/accounts.resolver';
import { AccountsService } from './accounts/accounts.service';
import { ContactsResolver } from './contacts/contacts.resolver';
import { ContactsService } from './contacts/contacts.service';
import { ContactResync } from './contacts/contact-resync';
import { OwnedRecords } from './access/owned-records';
import { salesDefinition } from './sales.definition';
import { PipelinesResolver, PipelineStageResolver } from './pipelines/pipelines.resolver';
import { PipelinesService } from './pipelines/pipelines.service';
import { CalendarDateScalar } from './opportunities/date.scalar';
import { OpportunitiesResolver } from './opportunities/opportunities.resolver';
import { OpportunitiesService } from './opportunities/opportunities.service';
import {
  AccountOpportunitiesResolver,
  ContactOpportunitiesResolver,
  OpportunityStageChangeResolver,
} from './opportunities/opportunity-links.resolver';
import { OpportunityProgressService } from './opportunities/opportunity-progress.service';
import { LeadConversionService } from './leads/lead-conversion.service';
import { LeadsResolver } from './leads/leads.resolver';
import { LeadsService } from './leads/leads.service';
import { ProductsService } from './products/products.service';
import { PriceBookEntryResolver, PriceBooksResolver, ProductsResolver } from './products/products.resolver';
import { QuotesService } from './quotes/quotes.service';
import { OpportunityQuotesResolver, QuoteLineResolver, QuotesResolver } from './quotes/quotes.resolver';
import { QuotePdfController } from './quotes/quote-pdf.controller';
import { ForecastsService } from './forecasts/forecasts.service';
import { ForecastCategoryTotalResolver, ForecastsResolver, PipelineMetricsResolver } from './forecasts/forecasts.resolver';
import { ActivitiesResolver } from './activities/activities.resolver';
import { ActivitiesService } from './activities/activities.service';
import { RecoveryTasksConsumer } from './activities/recovery-tasks.consumer';
import { ActivityReminders } from './activities/activity-reminders';
import { AccountTimelineResolver, ContactTimelineResolver } from './timeline/timeline.resolver';
import { TimelineService } from './timeline/timeline.service';
import { TimelineElsewhereConsumer } from './timeline/timeline-elsewhere.consumer';
import { CustomerTiersConsumer } from './pricing/customer-tiers.consumer';
import { LeadAssignmentRuleResolver, LeadAssignmentRulesResolver, LeadRulesResolver } from './lead-rules/lead-rules.resolver';
import { LeadRulesService } from './lead-rules/lead-rules.service';
import { DuplicatesService } from './duplicates/duplicates.service';
import { DuplicatesResolver } from './duplicates/duplicates.resolver';
import { AccountDuplicatesService } from './duplicates/account-duplicates.service';
import { AccountDuplicatesResolver } from './duplicates/account-duplicates.resolver';
import { MergeService } from './merge/merge.service';
import { MergeResolver } from './merge/merge.resolver';
import { ImportService } from './import/import.service';
import { ImportResolver } from './import/import.resolver';
import { CustomerImportService } from './import/customer-import.service';
import { LeadImportService } from './import/lead-import.service';
import { DeletionService } from './deletion/deletion.service';
import { DeletionResolver } from './deletion/deletion.resolver';
import { DeletionPurge } from './deletion/deletion-purge';

/** Pipelines, opportunities and leads. */
const pipelineProviders = [PipelinesService, PipelinesResolver, PipelineStageResolver, CalendarDateScalar];
const opportunityProviders = [
  OpportunitiesService,
  OpportunityProgressService,
  OpportunitiesResolver,
  AccountOpportunitiesResolver,
  ContactOpportunitiesResolver,
  OpportunityStageChangeResolver,
];
const leadProviders = [LeadsService, LeadConversionService, LeadsResolver];
/** Products, price books, quotes (with the PDF route) and forecasts. */
const productProviders = [ProductsService, ProductsResolver, PriceBooksResolver, PriceBookEntryResolver];
const quoteProviders = [
  QuotesService,
  QuotesResolver,
  QuoteLineResolver,
  OpportunityQuotesResolver,
  // Value tiers from analytics, for value-based pricing.
  CustomerTiersConsumer,
];
const forecastProviders = [ForecastsService, ForecastsResolver, ForecastCategoryTotalResolver, PipelineMetricsResolver];
/** Activities with reminders, the customer timeline, lead scoring and assignment rules. */
const activityProviders = [
  ActivitiesService,
  ActivityReminders,
  // Tasks for account owners asked for by marketing's service-recovery journeys.
  RecoveryTasksConsumer,
  ActivitiesResolver,
  TimelineService,
  TimelineElsewhereConsumer,
  ContactTimelineResolver,
  AccountTimelineResolver,
];
const leadRuleProviders = [LeadRulesService, LeadRulesResolver, LeadAssignmentRulesResolver, LeadAssignmentRuleResolver];
/** Customer master: duplicate rules, merge/unmerge, bulk import. */
const customerMasterProviders = [
  DuplicatesService,
  DuplicatesResolver,
  AccountDuplicatesService,
  AccountDuplicatesResolver,
  MergeService,
  MergeResolver,
  ImportService,
  CustomerImportService,
  LeadImportService,
  ImportResolver,
];
/** Deletion into a restore window, restore, the admins' bin, and the purge job (ADR 037). */
const deletionProviders = [DeletionService, DeletionResolver, DeletionPurge];
import { SalesPersonalData } from './privacy/sales-personal-data';
import type { SalesConfig } from './sales.env';
import { UserNamesResolver } from './users/user-names.resolver';

@Module({
  imports: [RapportServiceModule.forRoot(salesDefinition)],
  controllers: [QuotePdfController],
  providers: [
    DateTimeScalar,
    // This service's part in data-subject requests (ADR 034).
    ...privacyProviders(SalesPersonalData),
    // Owners are checked against sales' projection of identity's users (ADR 007), teams for sharing too (ADR 016).
    IdentityUsersConsumer,
    OwnerDirectory,
    { provide: OWNER_WAIT_MS, useFactory: (config: SalesConfig) => config.SALES_OWNER_WAIT_MS, inject: [SERVICE_CONFIG] },
    TeamDirectory,
    // Owner fields provide User.displayName from that projection (one subgraph call fewer per request).
    UserNames,
    UserNamesResolver,
    SharingPolicy,
    OwnedRecords,
    AccountsService,
    AccountsResolver,
    ContactsService,
    ContactsResolver,
    // Republishes live contacts when a read model rebuilds (ADR 053).
    ContactResync,
    ...pipelineProviders,
    ...opportunityProviders,
    ...leadProviders,
    ...productProviders,
    ...quoteProviders,
    ...forecastProviders,
    ...activityProviders,
    ...leadRuleProviders,
    ...customerMasterProviders,
    ...deletionProviders,
  ],
})
export class SalesAppModule {}
