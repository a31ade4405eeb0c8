import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '@rapport/auth';
import { env } from '@rapport/config';

export const identityEnv = {
  JWT_PRIVATE_KEY: env.string({
    default: '',
    description: 'PKCS#8 PEM of the ES256 signing key; generated and stored in the database when empty',
  }),
  // At most what verifiers replay of identity's revocations (RevocationFeed).
  ACCESS_TOKEN_TTL_SECONDS: env.int({ default: 900, min: 60, max: MAX_ACCESS_TOKEN_TTL_SECONDS, description: 'access token lifetime' }),
  REFRESH_TOKEN_TTL_SECONDS: env.int({ default: 30 * 86_400, min: 3600, description: 'refresh token lifetime' }),
  SEED_DEMO: env.bool({ default: false, description: 'create the demo tenant and admin at start (idempotent)' }),
  RAPPORT_DEMO_PASSWORD: env.string({ default: 'rapport-demo', description: 'password of admin@demo.test when SEED_DEMO is on' }),
};

export interface IdentityConfig {
  JWT_PRIVATE_KEY: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
  REFRESH_TOKEN_TTL_SECONDS: number;
  SEED_DEMO: boolean;
  RAPPORT_DEMO_PASSWORD: string;
}
