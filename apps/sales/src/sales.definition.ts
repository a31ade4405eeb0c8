import { STREAMS } from '@rapport/contracts';
import { loadTypeDefs, type ServiceDefinition } from '@rapport/service-kit';
import { AccountEntity } from './accounts/account.entity';
import { ContactEntity } from './contacts/contact.entity';
import { SalesInitial1764000000000 } from './migrations/1764000000000-sales-initial';
import { SalesPipelineLead1764100000000 } from './migrations/1764100000000-sales-pipeline-lead';
import { PipelineEntity } from './pipelines/pipeline.entity';
import { PipelineStageEntity } from './pipelines/pipeline-stage.entity';
import { OpportunityEntity } from './opportunities/opportunity.entity';
import { OpportunityStageHistoryEntity } from './opportunities/opportunity-stage-history.entity';
import { LeadEntity } from './leads/lead.entity';
import { SalesProductsQuotes1764300000000 } from './migrations/1764300000000-sales-products-quotes';
import { ProductEntity } from './products/product.entity';
import { PriceBookEntity, PriceBookEntryEntity } from './products/price-book.entity';
import { QuoteEntity, QuoteLineEntity } from './quotes/quote.entity';
import { SalesActivities1764400000000 } from './migrations/1764400000000-sales-activities';
import { ActivityEntity } from './activities/activity.entity';
import { salesEnv } from './sales.env';
import { TimelineEntryEntity } from './timeline/timeline-entry.entity';
import { SalesCustomerMaster1764410000000 } from './migrations/1764410000000-sales-customer-master';
import { SalesIdentityUsers1764420000000 } from './migrations/1764420000000-sales-identity-users';
import { SalesAccountDuplicates1764430000000 } from './migrations/1764430000000-sales-account-duplicates';
import { SalesAccessSettings1765000000000 } from './migrations/1765000000000-sales-access-settings';
import { SalesSharing1765100000000 } from './migrations/1765100000000-sales-sharing';
import { SalesAccountExternalIds1765300000000 } from './migrations/1765300000000-sales-account-external-ids';
import { SalesPhonesE1641765310000000 } from './migrations/1765310000000-sales-phones-e164';
import { SalesDeletion1766600000000 } from './migrations/1766600000000-sales-deletion';
import { SalesTimelineElsewhere1766935000000 } from './migrations/1766935000000-sales-timeline-elsewhere';
import { SalesRepublishE164Phones1766936000000 } from './migrations/1766936000000-sales-republish-e164-phones';
import { SalesValuePricing1766937000000 } from './migrations/1766937000000-sales-value-pricing';
import { SalesContactDuplicatesAtOnce1766973000000 } from './migrations/1766973000000-sales-contact-duplicates-at-once';
import { SalesContactNames1766984000000 } from './migrations/1766984000000-sales-contact-names';
import { prepareSalesTenant } from './tenants/prepare-tenant';

export const salesDefinition: ServiceDefinition = {
  name: 'sales',
  defaultPort: 4002,
  entities: [
    AccountEntity,
    ContactEntity,
    PipelineEntity,
    PipelineStageEntity,
    OpportunityEntity,
    OpportunityStageHistoryEntity,
    LeadEntity,
    ProductEntity,
    PriceBookEntity,
    PriceBookEntryEntity,
    QuoteEntity,
    QuoteLineEntity,
    ActivityEntity,
    TimelineEntryEntity,
  ],
  migrations: [
    SalesInitial1764000000000,
    SalesPipelineLead1764100000000,
    SalesProductsQuotes1764300000000,
    SalesActivities1764400000000,
    SalesCustomerMaster1764410000000,
    SalesIdentityUsers1764420000000,
    SalesAccountDuplicates1764430000000,
    SalesAccessSettings1765000000000,
    SalesSharing1765100000000,
    SalesAccountExternalIds1765300000000,
    SalesPhonesE1641765310000000,
    SalesDeletion1766600000000,
    SalesTimelineElsewhere1766935000000,
    SalesRepublishE164Phones1766936000000,
    SalesValuePricing1766937000000,
    SalesContactDuplicatesAtOnce1766973000000,
    SalesContactNames1766984000000,
  ],
  producesStreams: [STREAMS.SALES],
  typeDefs: loadTypeDefs(__dirname),
  env: salesEnv,
  prepareTenant: prepareSalesTenant,
};
