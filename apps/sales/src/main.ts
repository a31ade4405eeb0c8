import 'reflect-metadata';
import './tracing';
import { bootstrapService } from '@rapport/service-kit';
import { SalesAppModule } from './app.module';
import { salesDefinition } from './sales.definition';

bootstrapService(SalesAppModule, salesDefinition).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
