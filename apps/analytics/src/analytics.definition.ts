import { AnalyticsDeletion1766600000200 } from './migrations/1766600000200-analytics-deletion';
import { STREAMS } from '@rapport/contracts';
import { loadTypeDefs, type ServiceDefinition } from '@rapport/service-kit';
import { analyticsEnv } from './analytics.env';
import { ANALYTICS_SERVICE_OUTBOX_EXPANDERS } from './messaging/outbox-expanders';
import { AnalyticsInitial1764200000000 } from './migrations/1764200000000-analytics-initial';
import { AnalyticsClv1764300000000 } from './migrations/1764300000000-analytics-clv';
import { AnalyticsMergeHistory1764400000000 } from './migrations/1764400000000-analytics-merge-history';
import { AnalyticsChurnSignals1764500000000 } from './migrations/1764500000000-analytics-churn-signals';
import { AnalyticsAccessSettings1765000000000 } from './migrations/1765000000000-analytics-access-settings';
import { AnalyticsCustomerMaster1765200000000 } from './migrations/1765200000000-analytics-customer-master';
import { AnalyticsContactSharing1765300000000 } from './migrations/1765300000000-analytics-contact-sharing';
import { AnalyticsContactCasesShape1765420000000 } from './migrations/1765420000000-analytics-contact-cases-shape';
import { AnalyticsClvModelValidation1766160000000 } from './migrations/1766160000000-analytics-clv-model-validation';
import { AnalyticsCommerceReceipts1766300000000 } from './migrations/1766300000000-analytics-commerce-receipts';
import { AnalyticsGuestOrders1766310000000 } from './migrations/1766310000000-analytics-guest-orders';
import { AnalyticsClvScoringRuns1766320000000 } from './migrations/1766320000000-analytics-clv-scoring-runs';
import { AnalyticsCustomerValuesFillfactor1766700000000 } from './migrations/1766700000000-analytics-customer-values-fillfactor';
import { AnalyticsCaseDeletion1766910000000 } from './migrations/1766910000000-analytics-case-deletion';
import { AnalyticsStatisticsAndRfmRuns1766964000000 } from './migrations/1766964000000-analytics-statistics-and-rfm-runs';
import { AnalyticsClvModelKindUnchosen1766988000000 } from './migrations/1766988000000-analytics-clv-model-kind-unchosen';
import { OrderEntity } from './orders/order.entity';
import { RfmScoreEntity } from './rfm/rfm-score.entity';
import { prepareAnalyticsTenant } from './tenants/prepare-tenant';

/**
 * Projection tables (contacts, external ids) and settings are reached with
 * plain SQL only, so only the tables read through TypeORM repositories are
 * entities here.
 */
export const analyticsDefinition: ServiceDefinition = {
  name: 'analytics',
  defaultPort: 4004,
  entities: [OrderEntity, RfmScoreEntity],
  migrations: [
    AnalyticsInitial1764200000000,
    AnalyticsClv1764300000000,
    AnalyticsMergeHistory1764400000000,
    AnalyticsChurnSignals1764500000000,
    AnalyticsAccessSettings1765000000000,
    AnalyticsCustomerMaster1765200000000,
    AnalyticsContactSharing1765300000000,
    AnalyticsContactCasesShape1765420000000,
    AnalyticsClvModelValidation1766160000000,
    AnalyticsCommerceReceipts1766300000000,
    AnalyticsGuestOrders1766310000000,
    AnalyticsClvScoringRuns1766320000000,
    AnalyticsDeletion1766600000200,
    AnalyticsCustomerValuesFillfactor1766700000000,
    AnalyticsCaseDeletion1766910000000,
    AnalyticsStatisticsAndRfmRuns1766964000000,
    AnalyticsClvModelKindUnchosen1766988000000,
  ],
  // COMMERCE too: recordCommerceEvents publishes partners' cart and view events there (ADR 032).
  producesStreams: [STREAMS.ANALYTICS, STREAMS.COMMERCE],
  typeDefs: loadTypeDefs(__dirname),
  env: analyticsEnv,
  prepareTenant: prepareAnalyticsTenant,
  outboxExpanders: ANALYTICS_SERVICE_OUTBOX_EXPANDERS,
};
