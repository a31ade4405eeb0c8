import { Module } from '@nestjs/common';
import { DateTimeScalar, RapportServiceModule } from '@rapport/service-kit';
import { AccountsResolver } from './accounts/accounts.resolver';
import { AccountsService } from './accounts/accounts.service';
import { ContactsResolver } from './contacts/contacts.resolver';
import { ContactsService } from './contacts/contacts.service';
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

/** Pipelines, opportunities and leads (issue 3). */
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

@Module({
  imports: [RapportServiceModule.forRoot(salesDefinition)],
  providers: [
    DateTimeScalar,
    AccountsService,
    AccountsResolver,
    ContactsService,
    ContactsResolver,
    ...pipelineProviders,
    ...opportunityProviders,
    ...leadProviders,
  ],
})
export class SalesAppModule {}
