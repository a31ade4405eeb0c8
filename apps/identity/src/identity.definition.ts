import { STREAMS } from '@rapport/contracts';
import { RevocationList, TokenVerifier } from '@rapport/auth';
import { loadTypeDefs, type ServiceDefinition } from '@rapport/service-kit';
import { AuditEntryEntity } from './audit/audit-entry.entity';
import { ApiKeyEntity } from './api-keys/api-key.entity';
import { RefreshTokenEntity } from './auth/refresh-token.entity';
import { identityEnv } from './identity.env';
import { SigningKeyEntity } from './keys/signing-key.entity';
import { SigningKeyStore } from './keys/signing-key.store';
import { IdentityInitial1764000000000 } from './migrations/1764000000000-identity-initial';
import { IdentityTokenVersion1764500000000 } from './migrations/1764500000000-identity-token-version';
import { IdentityAccessSettings1765000000000 } from './migrations/1765000000000-identity-access-settings';
import { IdentityUserManager1765100000000 } from './migrations/1765100000000-identity-user-manager';
import { IdentityLoginThrottle1765200000000 } from './migrations/1765200000000-identity-login-throttle';
import { IdentityTenantDisabled1765300000000 } from './migrations/1765300000000-identity-tenant-disabled';
import { IdentityAuditLog1765400000000 } from './migrations/1765400000000-identity-audit-log';
import { IdentityInvitationsAndResets1765410000000 } from './migrations/1765410000000-identity-invitations-and-resets';
import { IdentityAuditPruning1765420000000 } from './migrations/1765420000000-identity-audit-pruning';
import { IdentityWebhooks1765500000000 } from './migrations/1765500000000-identity-webhooks';
import { IdentityCallerQuotas1766200000000 } from './migrations/1766200000000-identity-caller-quotas';
import { IdentityWebhookSecretsSealed1766950000000 } from './migrations/1766950000000-identity-webhook-secrets-sealed';
import { IdentityAccountEmailOutbox1766963000000 } from './migrations/1766963000000-identity-account-email-outbox';
import { TenantEntity } from './tenants/tenant.entity';
import { UserEntity } from './users/user.entity';

export const identityDefinition: ServiceDefinition = {
  name: 'identity',
  defaultPort: 4001,
  entities: [AuditEntryEntity, TenantEntity, UserEntity, ApiKeyEntity, RefreshTokenEntity, SigningKeyEntity],
  migrations: [
    IdentityInitial1764000000000,
    IdentityTokenVersion1764500000000,
    IdentityAccessSettings1765000000000,
    IdentityUserManager1765100000000,
    IdentityLoginThrottle1765200000000,
    IdentityTenantDisabled1765300000000,
    IdentityAuditLog1765400000000,
    IdentityInvitationsAndResets1765410000000,
    IdentityAuditPruning1765420000000,
    IdentityWebhooks1765500000000,
    IdentityCallerQuotas1766200000000,
    IdentityWebhookSecretsSealed1766950000000,
    IdentityAccountEmailOutbox1766963000000,
  ],
  // PLATFORM: facts about the platform's delivery machinery (platform.webhook.disabled).
  producesStreams: [STREAMS.IDENTITY, STREAMS.PLATFORM],
  ownsAccessSettings: true,
  // The audit log: the service may read and append, never change (pruning goes through prune_audit_log).
  appendOnlyTables: ['audit_log'],
  httpRateLimits: [
    // The public keys every process fetches to verify tokens (cached, one static answer): refusing them would
    // stop token verification for everyone behind the same address. The API-key exchange is limited per caller.
    { path: /^\/\.well-known\/jwks\.json$/, unlimited: true },
  ],
  typeDefs: loadTypeDefs(__dirname),
  env: identityEnv,
  globalProviders: [
    SigningKeyStore,
    {
      // Identity verifies tokens with its own keys instead of fetching its own JWKS.
      provide: TokenVerifier,
      inject: [SigningKeyStore, RevocationList],
      useFactory: async (keys: SigningKeyStore, revocations: RevocationList) => {
        await keys.load();
        return keys.verifier(revocations);
      },
    },
  ],
};
