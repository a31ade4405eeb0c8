import { Module } from '@nestjs/common';
import { DateTimeScalar, RapportServiceModule } from '@rapport/service-kit';
import { AccountCasesResolver, ContactCasesResolver } from './cases/case-links.resolver';
import { CaseAssignmentResolver, CaseCommentResolver, CaseEscalationResolver, CasesResolver } from './cases/cases.resolver';
import { CasesService } from './cases/cases.service';
import { QueueRuleResolver, RoutingResolver } from './routing/routing.resolver';
import { RoutingService } from './routing/routing.service';
import { serviceDefinition } from './service.definition';
import { BusinessCalendarResolver, SlaResolver } from './sla/sla.resolver';
import { SlaPoliciesService } from './sla/sla-policies.service';
import { SlaTimers } from './sla/sla-timers';
import { TierConsumer } from './tiers/tier-consumer';

@Module({
  imports: [RapportServiceModule.forRoot(serviceDefinition)],
  providers: [
    DateTimeScalar,
    RoutingService,
    RoutingResolver,
    QueueRuleResolver,
    SlaPoliciesService,
    SlaTimers,
    SlaResolver,
    BusinessCalendarResolver,
    CasesService,
    CasesResolver,
    CaseCommentResolver,
    CaseAssignmentResolver,
    CaseEscalationResolver,
    ContactCasesResolver,
    AccountCasesResolver,
    TierConsumer,
  ],
})
export class ServiceAppModule {}
