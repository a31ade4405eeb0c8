import { Module } from '@nestjs/common';
import { DateTimeScalar, RapportServiceModule } from '@rapport/service-kit';
import { analyticsDefinition } from './analytics.definition';
import { ContactProjection } from './contacts/contact-projection';
import { ContactRfmResolver } from './contacts/contact-rfm.resolver';
import { AnalyticsConsumers } from './messaging/analytics-consumers';
import { OrderIngest } from './orders/order-ingest';
import { OrdersResolver } from './orders/orders.resolver';
import { OrdersService } from './orders/orders.service';
import { RfmScheduler } from './rfm/rfm-scheduler';
import { RfmResolver } from './rfm/rfm.resolver';
import { RfmService } from './rfm/rfm.service';

@Module({
  imports: [RapportServiceModule.forRoot(analyticsDefinition)],
  providers: [
    DateTimeScalar,
    ContactProjection,
    ContactRfmResolver,
    OrderIngest,
    OrdersService,
    OrdersResolver,
    RfmService,
    RfmScheduler,
    RfmResolver,
    AnalyticsConsumers,
  ],
})
export class AnalyticsAppModule {}
