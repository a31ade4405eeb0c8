import type { Type } from '@nestjs/common';
import type { ServiceDefinition } from '@rapport/service-kit';
import { IdentityAppModule } from '../../apps/identity/src/app.module';
import { identityDefinition } from '../../apps/identity/src/identity.definition';
import { SalesAppModule } from '../../apps/sales/src/app.module';
import { salesDefinition } from '../../apps/sales/src/sales.definition';
import { AnalyticsAppModule } from '../../apps/analytics/src/app.module';
import { analyticsDefinition } from '../../apps/analytics/src/analytics.definition';
import { ServiceAppModule } from '../../apps/service/src/app.module';
import { serviceDefinition } from '../../apps/service/src/service.definition';
import { MarketingAppModule } from '../../apps/marketing/src/app.module';
import { marketingDefinition } from '../../apps/marketing/src/marketing.definition';

/**
 * Every subgraph the test platform starts, identity first (the others need
 * its JWKS). Adding a service to the platform tests is one entry here.
 */
export const TEST_SUBGRAPHS: { name: string; module: Type<unknown>; definition: ServiceDefinition }[] = [
  { name: 'identity', module: IdentityAppModule, definition: identityDefinition },
  { name: 'sales', module: SalesAppModule, definition: salesDefinition },
  { name: 'analytics', module: AnalyticsAppModule, definition: analyticsDefinition },
  { name: 'service', module: ServiceAppModule, definition: serviceDefinition },
  { name: 'marketing', module: MarketingAppModule, definition: marketingDefinition },
];
