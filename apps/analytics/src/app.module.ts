import { Module } from '@nestjs/common';
import { contactSharingProviders, DateTimeScalar, privacyProviders, RapportServiceModule } from '@rapport/service-kit';
import { analyticsDefinition } from './analytics.definition';
import { CaseProjection } from './cases/case-projection';
import { ClvEngine } from './clv/clv-engine';
import { ClvScheduler } from './clv/clv-scheduler';
import { ClvResolver, ContactValueResolver, CustomerValueResolver } from './clv/clv.resolver';
import { ClvService } from './clv/clv.service';
import { CommerceEventsResolver } from './commerce/commerce-events.resolver';
import { CommerceEventsService } from './commerce/commerce-events.service';
import { ContactProjection } from './contacts/contact-projection';
import { ContactRfmResolver } from './contacts/contact-rfm.resolver';
import { AnalyticsConsumers } from './messaging/analytics-consumers';
import { OrderBulkController } from './orders/order-bulk.controller';
import { OrderIngest } from './orders/order-ingest';
import { ContactOrdersResolver, OrdersResolver } from './orders/orders.resolver';
import { OrdersService } from './orders/orders.service';
import { RfmScheduler } from './rfm/rfm-scheduler';
import { RfmResolver } from './rfm/rfm.resolver';
import { RfmService } from './rfm/rfm.service';
import { RetentionResolver } from './retention/retention.resolver';
import { RetentionService } from './retention/retention.service';
import { AnalyticsPersonalData } from './privacy/analytics-personal-data';
import { TableStatistics } from './statistics/table-statistics';

@Module({
  imports: [RapportServiceModule.forRoot(analyticsDefinition)],
  controllers: [OrderBulkController],
  providers: [
    DateTimeScalar,
    // This service's part in data-subject requests (ADR 034).
    ...privacyProviders(AnalyticsPersonalData),
    // The CONTACT sharing rule on this service's Contact fields and lists (ADR 016).
    ...contactSharingProviders(),
    TableStatistics,
    ContactProjection,
    CaseProjection,
    ContactRfmResolver,
    OrderIngest,
    OrdersService,
    OrdersResolver,
    ContactOrdersResolver,
    CommerceEventsService,
    CommerceEventsResolver,
    RfmService,
    RfmScheduler,
    RfmResolver,
    ClvEngine,
    ClvScheduler,
    ClvService,
    ClvResolver,
    CustomerValueResolver,
    ContactValueResolver,
    RetentionService,
    RetentionResolver,
    AnalyticsConsumers,
  ],
})
export class AnalyticsAppModule {}
