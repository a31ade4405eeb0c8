import { Module } from '@nestjs/common';
import { contactSharingProviders, DateTimeScalar, privacyProviders, RapportServiceModule } from '@rapport/service-kit';
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
import { BusinessMinutesBackfill } from './sla/business-minutes-backfill';
import { TierConsumer } from './tiers/tier-consumer';
import { RecoveryPriorityConsumer } from './cases/recovery-priority.consumer';
import { CaseDeletionService } from './deletion/case-deletion.service';
import { CaseCustomerDeletedResolver, DeletedCaseResolver } from './deletion/case-deletion.resolver';
import { CasePurge } from './deletion/case-purge';

@Module({
  imports: [RapportServiceModule.forRoot(serviceDefinition)],
  controllers: [ExportDownloadController],
  providers: [
    DateTimeScalar,
    // The sharing rules on cases and on this service's Contact fields, by its copy of the contacts' owners (ADR 016).
    ...contactSharingProviders('customer_contacts'),
    RoutingService,
    RoutingResolver,
    QueueRuleResolver,
    SlaPoliciesService,
    SlaTimers,
    BusinessMinutesBackfill,
    SlaResolver,
    CaseSlaResolver,
    BusinessCalendarResolver,
    CasesService,
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
    // Deleting cases into a restore window, restore, the admins' list and the purge job (ADR 037).
    CaseDeletionService,
    DeletedCaseResolver,
    CaseCustomerDeletedResolver,
    CasePurge,
  ],
})
export class ServiceAppModule {}
