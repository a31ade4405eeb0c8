import 'reflect-metadata';
import './tracing';
import { bootstrapService } from '@rapport/service-kit';
import { MarketingAppModule } from './app.module';
import { marketingDefinition } from './marketing.definition';

bootstrapService(MarketingAppModule, marketingDefinition).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
