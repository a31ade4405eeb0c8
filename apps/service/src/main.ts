import 'reflect-metadata';
import './tracing';
import { bootstrapService } from '@rapport/service-kit';
import { ServiceAppModule } from './app.module';
import { serviceDefinition } from './service.definition';

bootstrapService(ServiceAppModule, serviceDefinition).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
