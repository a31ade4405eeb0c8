import 'reflect-metadata';
import './tracing';
import { bootstrapService } from '@rapport/service-kit';
import { analyticsDefinition } from './analytics.definition';
import { AnalyticsAppModule } from './app.module';

bootstrapService(AnalyticsAppModule, analyticsDefinition).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
