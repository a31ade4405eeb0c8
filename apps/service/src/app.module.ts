import { Module } from '@nestjs/common';
import {
  contactSharingProviders,
  DateTimeScalar,
  OWNER_WAIT_MS,
  OwnerDirectory,
  privacyProviders,
  RapportServiceModule,
  SERVICE_CONFIG,
} from '@rapport/service-kit';
import { AccountCasesResolver, ContactCasesResolver } from './cases/case-links.resolver';
import { CaseAssignmentResolver, CaseCommentResolver, CaseEscalationResolver, CasesResolver } from './cases/cases.resolver';
import { CaseDetailsService } from './cases/case-details.service';
import { CaseEditsService } from './cases/case-edits.service';
import { CasesService } from './cases/cases.service';
import { CaseCustomers } from './customers/case-customers';
import { CustomerMasterConsumer } from './customers/customer-consumer';
import { CustomerMerges } from './customers/customer-merges';
import { KnowledgeSearch } from './knowledge/knowledge-search.service';
import { KnowledgeSettings } from './knowledge/knowledge-settings.service';
import { KnowledgeResolver } from './knowledge/knowledge.resolver';
import { KnowledgeService } from './knowledge/knowledge.service';
import { MetricsResolver } from './metrics/metrics.resolver';
import { MetricsService } from './metrics/metrics.service';
import { NotificationsResolver, QueueManagerResolver } from './notifications/notifications.resolver';
import { NotificationsService } from './notifications/notifications.service';
import { WebhookDisabledConsumer } from './notifications/webhook-disabled.consumer';
import { ActivityReminderConsumer } from './notifications/activity-reminder.consumer';
import { NotificationEmailConsumer } from './notifications/notification-email.consumer';
import { QueueRuleResolver, RoutingResolver } from './routing/routing.resolver';
import { ExportDownloadController } from './privacy/export-download.controller';
import { PrivacyAnswers } from './privacy/privacy-answers';
import { PrivacyDeadlines } from './privacy/privacy-deadlines';
import { PrivacyRequestsService } from './privacy/privacy-requests.service';
import { PrivacyResolver } from './privacy/privacy.resolver';
import { ServicePersonalData } from './privacy/service-personal-data';
import { RoutingService } from './routing/routing.service';
import { SatisfactionResolver } from './satisfaction/satisfaction.resolver';
import { SatisfactionService } from './satisfaction/satisfaction.service';
import { serviceDefinition } from './service.definition';
import { BusinessCalendarResolver, SlaResolver } from './sla/sla.resolver';
import { CaseSlaResolver } from './sla/case-sla.resolver';
import { SlaPoliciesService } from './sla/sla-policies.service';
import { SlaTimers } from './sla/sla-timers';
import { EscalationActions } from './escalation/escalation-actions';
import { EscalationRunner } from './escalation/escalation-runner';
import { EscalationRulesResolver } from './escalation/escalation.resolver';
import { EscalationRulesService } from './escalation/escalation-rules.service';
import { BusinessMinutesBackfill } from './sla/business-minutes-backfill';
import { TierConsumer } from './tiers/tier-consumer';
import { RecoveryPriorityConsumer } from './cases/recovery-priority.consumer';
import type { ServiceConfig } from './service.env';
import { AttachmentDownloadController } from './inbound-email/attachment-download.controller';
import { InboundEmailReads } from './inbound-email/inbound-email-reads.service';
import { CaseEmailResolver, InboundEmailResolver } from './inbound-email/inbound-email.resolver';
import { InboundEmailService } from './inbound-email/inbound-email.service';
import { InboundSmtpServer } from './inbound-email/inbound-smtp.server';
import { SupportMailboxConsumer } from './inbound-email/support-mailbox.consumer';
import { InboundTriage } from './inbound-email/inbound-triage.service';
import { InboundWebhookController } from './inbound-email/inbound-webhook.controller';
import { SupportMailer } from './support-mail/support-mailer';
import { ServiceConsentConsumer } from './satisfaction-survey/service-consent.consumer';
import { SurveyLinks } from './satisfaction-survey/survey-links';
import { SurveyRatingController } from './satisfaction-survey/survey-rating.controller';
import { SurveySenderConsumer } from './satisfaction-survey/survey-sender.consumer';
import { CaseDeletionService } from './deletion/case-deletion.service';
import { CaseCustomerDeletedResolver, DeletedCaseResolver } from './deletion/case-deletion.resolver';
import { CasePurge } from './deletion/case-purge';
import { CaseResync } from './cases/case-resync';

@Module({
  imports: [RapportServiceModule.forRoot(serviceDefinition)],
  controllers: [ExportDownloadController, InboundWebhookController, SurveyRatingController, AttachmentDownloadController],
  providers: [
    DateTimeScalar,
    // The sharing rules on cases and on this service's Contact fields, by its copy of the contacts' owners (ADR 016).
    ...contactSharingProviders('customer_contacts'),
    // Case owners and queue members are active staff users of the tenant, as identity's users projection says.
    OwnerDirectory,
    { provide: OWNER_WAIT_MS, useFactory: (config: ServiceConfig) => config.SERVICE_OWNER_WAIT_MS, inject: [SERVICE_CONFIG] },
    RoutingService,
    RoutingResolver,
    QueueRuleResolver,
    SlaPoliciesService,
    SlaTimers,
    // Escalation rules per tenant (ADR 051): evaluated by the SLA timers and by check jobs of their own.
    EscalationActions,
    EscalationRunner,
    EscalationRulesService,
    EscalationRulesResolver,
    BusinessMinutesBackfill,
    SlaResolver,
    CaseSlaResolver,
    BusinessCalendarResolver,
    CasesService,
    // Republishes live cases when a copy rebuilds (ADR 053).
    CaseResync,
    CaseDetailsService,
    CaseEditsService,
    CasesResolver,
    CaseCommentResolver,
    CaseAssignmentResolver,
    CaseEscalationResolver,
    ContactCasesResolver,
    AccountCasesResolver,
    TierConsumer,
    // Service-recovery journeys in marketing raise the priority of open complaints.
    RecoveryPriorityConsumer,
    CustomerMerges,
    CustomerMasterConsumer,
    CaseCustomers,
    KnowledgeSettings,
    KnowledgeService,
    KnowledgeSearch,
    KnowledgeResolver,
    SatisfactionService,
    SatisfactionResolver,
    NotificationsService,
    ActivityReminderConsumer,
    NotificationEmailConsumer,
    NotificationsResolver,
    WebhookDisabledConsumer,
    QueueManagerResolver,
    MetricsService,
    MetricsResolver,
    // Coordinator of data-subject requests (ADR 034), and this service's own part in them.
    PrivacyRequestsService,
    PrivacyAnswers,
    PrivacyDeadlines,
    PrivacyResolver,
    ...privacyProviders(ServicePersonalData),
    // Email-to-case (ADR 039): the SMTP endpoint and provider webhook, the ingest, and what agents read of it.
    SupportMailer,
    SupportMailboxConsumer,
    InboundEmailService,
    InboundSmtpServer,
    InboundEmailReads,
    InboundTriage,
    InboundEmailResolver,
    CaseEmailResolver,
    // Satisfaction surveys by email at resolution, rated through signed links without login (ADR 039).
    ServiceConsentConsumer,
    SurveyLinks,
    SurveySenderConsumer,
    // Deleting cases into a restore window, restore, the admins' list and the purge job (ADR 037).
    CaseDeletionService,
    DeletedCaseResolver,
    CaseCustomerDeletedResolver,
    CasePurge,
  ],
})
export class ServiceAppModule {}
