import { ServiceDeletion1766600000100 } from './migrations/1766600000100-service-deletion';
import { STREAMS } from '@rapport/contracts';
import { loadTypeDefs, type ServiceDefinition } from '@rapport/service-kit';
import { CaseCommentEntity } from './cases/case-comment.entity';
import { CaseEntity } from './cases/case.entity';
import { ServiceInitial1764300000000 } from './migrations/1764300000000-service-initial';
import { ServiceKnowledgeCsat1764400000000 } from './migrations/1764400000000-service-knowledge-csat';
import { ServiceCustomerMaster1764500000000 } from './migrations/1764500000000-service-customer-master';
import { ServiceKnowledgeUnpublishLocale1764600000000 } from './migrations/1764600000000-service-knowledge-unpublish-locale';
import { ServiceAccessSettings1765000000000 } from './migrations/1765000000000-service-access-settings';
import { ServiceSharing1765100000000 } from './migrations/1765100000000-service-sharing';
import { ServiceCustomerMasterLog1765200000000 } from './migrations/1765200000000-service-customer-master-log';
import { ServiceContactOwners1765300000000 } from './migrations/1765300000000-service-contact-owners';
import { ServiceWebhookNotifications1765500000000 } from './migrations/1765500000000-service-webhook-notifications';
import { ServicePrivacyRequests1765500000000 } from './migrations/1765500000000-service-privacy-requests';
import { ServiceActivityNotifications1765400000000 } from './migrations/1765400000000-service-activity-notifications';
import { ServiceNotificationKinds1766400000000 } from './migrations/1766400000000-service-notification-kinds';
import { ServiceCaseNotificationKinds1766500000000 } from './migrations/1766500000000-service-case-notification-kinds';
import { ServiceInboundEmail1766800000000 } from './migrations/1766800000000-service-inbound-email';
import { ServiceSatisfactionSurvey1766800000001 } from './migrations/1766800000001-service-satisfaction-survey';
import { ServiceKnowledgeLocaleLanguage1766930000000 } from './migrations/1766930000000-service-knowledge-locale-language';
import { ServiceNotificationEmail1766955000000 } from './migrations/1766955000000-service-notification-email';
import { ServiceEscalationRules1766960000000 } from './migrations/1766960000000-service-escalation-rules';
import { serviceEnv } from './service.env';
import { prepareServiceTenant } from './tenants/prepare-tenant';

/**
 * Cases and comments are read through TypeORM repositories (keyset pages);
 * queues, rules, calendars, policies and history tables with plain SQL.
 */
export const serviceDefinition: ServiceDefinition = {
  name: 'service',
  defaultPort: 4003,
  entities: [CaseEntity, CaseCommentEntity],
  migrations: [
    ServiceInitial1764300000000,
    ServiceKnowledgeCsat1764400000000,
    ServiceCustomerMaster1764500000000,
    ServiceKnowledgeUnpublishLocale1764600000000,
    ServiceAccessSettings1765000000000,
    ServiceSharing1765100000000,
    ServiceCustomerMasterLog1765200000000,
    ServiceContactOwners1765300000000,
    ServiceActivityNotifications1765400000000,
    ServiceWebhookNotifications1765500000000,
    ServicePrivacyRequests1765500000000,
    ServiceNotificationKinds1766400000000,
    ServiceCaseNotificationKinds1766500000000,
    ServiceDeletion1766600000100,
    ServiceInboundEmail1766800000000,
    ServiceSatisfactionSurvey1766800000001,
    ServiceKnowledgeLocaleLanguage1766930000000,
    ServiceNotificationEmail1766955000000,
    ServiceEscalationRules1766960000000,
  ],
  producesStreams: [STREAMS.SERVICE],
  typeDefs: loadTypeDefs(__dirname),
  env: serviceEnv,
  prepareTenant: prepareServiceTenant,
};
