import 'reflect-metadata';
import './tracing';
import { bootstrapService } from '@rapport/service-kit';
import { IdentityAppModule } from './app.module';
import { identityDefinition } from './identity.definition';

bootstrapService(IdentityAppModule, identityDefinition).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
