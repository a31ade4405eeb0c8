import { Module } from '@nestjs/common';
import { DateTimeScalar, privacyProviders, RapportServiceModule } from '@rapport/service-kit';
import { AccessSettingsResolver } from './access/access-settings.resolver';
import { AccessSettingsService } from './access/access-settings.service';
import { ApiKeyExchangeController } from './api-keys/api-key-exchange.controller';
import { ApiKeysResolver } from './api-keys/api-keys.resolver';
import { ApiKeysService } from './api-keys/api-keys.service';
import { CallerQuotasResolver } from './quotas/caller-quotas.resolver';
import { CallerQuotasService } from './quotas/caller-quotas.service';
import { AuditModule } from './audit/audit.module';
import { AuthResolver } from './auth/auth.resolver';
import { AuthService } from './auth/auth.service';
import { LoginThrottle } from './auth/login-throttle';
import { TokenIssuer } from './auth/token-issuer';
import { identityDefinition } from './identity.definition';
import { InvitationsResolver } from './invitations/invitations.resolver';
import { InvitationsService } from './invitations/invitations.service';
import { KeysModule } from './keys/keys.module';
import { AccountEmails } from './mail/account-email-queue';
import { IdentityMailer } from './mail/identity-mailer';
import { PasswordResetResolver } from './password-reset/password-reset.resolver';
import { PasswordResetService } from './password-reset/password-reset.service';
import { PasswordResetThrottle } from './password-reset/password-reset-throttle';
import { DemoSeed } from './seed/demo-seed';
import { TenantProvisioning } from './tenants/tenant-provisioning.service';
import { TenantsService } from './tenants/tenants.service';
import { UsersResolver } from './users/users.resolver';
import { UsersService } from './users/users.service';
import { WebhooksModule } from './webhooks/webhooks.module';
import { IdentityPersonalData } from './privacy/identity-personal-data';

@Module({
  imports: [RapportServiceModule.forRoot(identityDefinition), KeysModule, AuditModule, WebhooksModule],
  controllers: [ApiKeyExchangeController],
  providers: [
    DateTimeScalar,
    // This service's part in data-subject requests (ADR 034).
    ...privacyProviders(IdentityPersonalData),
    TokenIssuer,
    AuthService,
    AuthResolver,
    LoginThrottle,
    UsersService,
    UsersResolver,
    TenantsService,
    TenantProvisioning,
    ApiKeysService,
    ApiKeysResolver,
    CallerQuotasService,
    CallerQuotasResolver,
    DemoSeed,
    AccessSettingsService,
    AccessSettingsResolver,
    IdentityMailer,
    AccountEmails,
    InvitationsService,
    InvitationsResolver,
    PasswordResetThrottle,
    PasswordResetService,
    PasswordResetResolver,
  ],
})
export class IdentityAppModule {}
