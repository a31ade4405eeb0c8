import { MarketingDeletion1766600000300 } from './migrations/1766600000300-marketing-deletion';
import { STREAMS } from '@rapport/contracts';
import { loadTypeDefs, type ServiceDefinition } from '@rapport/service-kit';
import { marketingEnv } from './marketing.env';
import { MarketingInitial1764500000000 } from './migrations/1764500000000-marketing-initial';
import { MarketingAccessSettings1765000000000 } from './migrations/1765000000000-marketing-access-settings';
import { MarketingCustomerMaster1765200000000 } from './migrations/1765200000000-marketing-customer-master';
import { MarketingContactSharing1765300000000 } from './migrations/1765300000000-marketing-contact-sharing';
import { MarketingContactCasesShape1765420000000 } from './migrations/1765420000000-marketing-contact-cases-shape';
import { MarketingExperimentDesign1766300000000 } from './migrations/1766300000000-marketing-experiment-design';
import { MarketingJourneyPurpose1766320000000 } from './migrations/1766320000000-marketing-journey-purpose';
import { MarketingCaseDeletion1766910000000 } from './migrations/1766910000000-marketing-case-deletion';
import { MarketingContactIndexesSkipEmpty1766978000000 } from './migrations/1766978000000-marketing-contact-indexes-skip-empty';
import { MarketingContactsFillfactor1766991000000 } from './migrations/1766991000000-marketing-contacts-fillfactor';
import { prepareMarketingTenant } from './tenants/prepare-tenant';

/** Marketing reads and writes its tables with plain SQL, so it declares no TypeORM entities. */
export const marketingDefinition: ServiceDefinition = {
  name: 'marketing',
  defaultPort: 4005,
  entities: [],
  migrations: [
    MarketingInitial1764500000000,
    MarketingAccessSettings1765000000000,
    MarketingCustomerMaster1765200000000,
    MarketingContactSharing1765300000000,
    MarketingContactCasesShape1765420000000,
    MarketingExperimentDesign1766300000000,
    MarketingJourneyPurpose1766320000000,
    MarketingDeletion1766600000300,
    MarketingCaseDeletion1766910000000,
    MarketingContactIndexesSkipEmpty1766978000000,
    MarketingContactsFillfactor1766991000000,
  ],
  producesStreams: [STREAMS.MARKETING],
  typeDefs: loadTypeDefs(__dirname),
  env: marketingEnv,
  prepareTenant: prepareMarketingTenant,
  httpRateLimits: [
    // Providers' delivery receipts come in bursts and each carries an HMAC of its body, checked before any
    // query: as at the gateway's /m/* proxy, they are not counted (apps/gateway/src/links/link-proxy.ts).
    { path: /^\/m\/webhooks\/receipts$/, unlimited: true },
    // The links in messages: the gateway's per-IP rate for them, also for callers that reach marketing directly.
    { path: /^\/m\//, anonymousRateVariable: 'LINK_RATE_LIMIT_PER_MINUTE' },
  ],
};
