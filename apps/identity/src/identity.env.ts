import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '@rapport/auth';
import { emailFromEnv, smtpUrlEnv } from '@rapport/channels';
import { env } from '@rapport/config';
import { WEBHOOK_SECRET_KEYS_ENV } from './webhooks/webhook-secret-keys';

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
  // Sign-in throttling (LoginThrottle): failures counted in Postgres, so every replica sees the same counts.
  LOGIN_MAX_FAILURES_PER_ACCOUNT: env.int({
    default: 10,
    min: 1,
    description: 'failed sign-ins for one tenant and email within LOGIN_FAILURE_WINDOW_SECONDS that lock its password sign-in',
  }),
  LOGIN_MAX_FAILURES_PER_IP: env.int({
    default: 100,
    min: 1,
    description: 'failed sign-ins from one address within LOGIN_FAILURE_WINDOW_SECONDS that lock sign-in from it',
  }),
  LOGIN_FAILURE_WINDOW_SECONDS: env.int({ default: 900, min: 10, max: 86_400, description: 'window in which failed sign-ins are counted' }),
  LOGIN_LOCKOUT_SECONDS: env.int({ default: 900, min: 1, max: 86_400, description: 'how long a locked account or address is refused' }),
  // Invitations and password resets (docs/adr/027-account-emails.md): links by email through libs/channels.
  IDENTITY_SMTP_URL: smtpUrlEnv(
    'SMTP server for invitation and password-reset email: smtp://user:pass@host:port or smtps://…; unset: no account email',
  ),
  IDENTITY_EMAIL_FROM: emailFromEnv('From of account email, e.g. "Rapport <no-reply@example.com>"; required with IDENTITY_SMTP_URL'),
  IDENTITY_APP_URL: env.url({
    protocols: ['http', 'https'],
    default: 'http://localhost:3000',
    description: 'public URL of the front end that opens invitation and reset links (/accept-invitation, /reset-password)',
  }),
  INVITATION_TTL_SECONDS: env.int({ default: 7 * 86_400, min: 300, max: 30 * 86_400, description: 'how long an invitation link works' }),
  PASSWORD_RESET_TTL_SECONDS: env.int({ default: 3600, min: 300, max: 86_400, description: 'how long a password-reset link works' }),
  PASSWORD_RESET_MAX_PER_ACCOUNT: env.int({
    default: 5,
    min: 1,
    description: 'password-reset requests for one tenant and email within PASSWORD_RESET_WINDOW_SECONDS; more are refused',
  }),
  PASSWORD_RESET_MAX_PER_IP: env.int({
    default: 50,
    min: 1,
    description: 'password-reset requests from one address within PASSWORD_RESET_WINDOW_SECONDS; more are refused',
  }),
  PASSWORD_RESET_WINDOW_SECONDS: env.int({
    default: 3600,
    min: 10,
    max: 86_400,
    description: 'window in which reset requests are counted',
  }),
  // Account emails are BullMQ jobs (docs/adr/054-durable-account-emails-and-sends-after-commit.md).
  ACCOUNT_EMAIL_ATTEMPTS: env.int({
    default: 12,
    min: 1,
    max: 100,
    description: 'attempts at an invitation or reset email while the mail server fails transiently, before it is recorded FAILED',
  }),
  ACCOUNT_EMAIL_RETRY_DELAY_MS: env.int({
    default: 5_000,
    min: 10,
    description: 'wait before the first retry of an account email; doubles per retry',
  }),
  ACCOUNT_EMAIL_RETRY_MAX_DELAY_MS: env.int({
    default: 15 * 60_000,
    min: 10,
    description: 'longest wait between two attempts of an account email',
  }),
  // Outbound webhooks (docs/adr/033-webhooks-outbound-webhooks.md).
  WEBHOOK_SECRET_KEYS: WEBHOOK_SECRET_KEYS_ENV,
  WEBHOOK_ALLOW_PRIVATE_TARGETS: env.bool({
    default: false,
    description: 'let webhooks reach http:// and private, loopback and link-local addresses (development and tests only)',
  }),
  WEBHOOK_RETRY_FOR_SECONDS: env.int({
    default: 24 * 3600,
    min: 1,
    description: 'how long a failing delivery is retried (exponential backoff with jitter) before it is given up',
  }),
  WEBHOOK_RETRY_BASE_DELAY_MS: env.int({
    default: 10_000,
    min: 10,
    description: 'wait before the first retry of a delivery; doubles per retry',
  }),
  WEBHOOK_RETRY_MAX_DELAY_MS: env.int({ default: 3_600_000, min: 10, description: 'longest wait between two attempts of a delivery' }),
  WEBHOOK_DISABLE_AFTER_SECONDS: env.int({
    default: 5 * 86_400,
    min: 1,
    description: 'an endpoint failing without a success for this long is disabled and its tenant admins notified',
  }),
  WEBHOOK_SECRET_GRACE_SECONDS: env.int({
    default: 86_400,
    min: 0,
    max: 30 * 86_400,
    description: 'how long the previous secret still signs deliveries after a rotation (default of rotateWebhookSecret)',
  }),
  WEBHOOK_TIMEOUT_MS: env.int({
    default: 10_000,
    min: 100,
    max: 60_000,
    description: 'how long one delivery attempt waits for a response',
  }),
  WEBHOOK_DELIVERY_CONCURRENCY: env.int({ default: 16, min: 1, max: 256, description: 'deliveries one identity process sends at once' }),
  WEBHOOK_JOB_LOCK_MS: env.int({
    default: 30_000,
    min: 1000,
    description: 'how soon another process takes over a delivery whose process died (it is sent again with the same webhook-id)',
  }),
  WEBHOOK_SWEEP_INTERVAL_MS: env.int({
    default: 60_000,
    min: 1000,
    description:
      'how often pending deliveries older than this with no job are queued again (a process that died between committing a delivery and queueing it)',
  }),
};

export interface IdentityConfig {
  JWT_PRIVATE_KEY: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
  REFRESH_TOKEN_TTL_SECONDS: number;
  SEED_DEMO: boolean;
  RAPPORT_DEMO_PASSWORD: string;
  LOGIN_MAX_FAILURES_PER_ACCOUNT: number;
  LOGIN_MAX_FAILURES_PER_IP: number;
  LOGIN_FAILURE_WINDOW_SECONDS: number;
  LOGIN_LOCKOUT_SECONDS: number;
  IDENTITY_SMTP_URL: string;
  IDENTITY_EMAIL_FROM: string;
  IDENTITY_APP_URL: string;
  INVITATION_TTL_SECONDS: number;
  PASSWORD_RESET_TTL_SECONDS: number;
  PASSWORD_RESET_MAX_PER_ACCOUNT: number;
  PASSWORD_RESET_MAX_PER_IP: number;
  PASSWORD_RESET_WINDOW_SECONDS: number;
  ACCOUNT_EMAIL_ATTEMPTS: number;
  ACCOUNT_EMAIL_RETRY_DELAY_MS: number;
  ACCOUNT_EMAIL_RETRY_MAX_DELAY_MS: number;
  WEBHOOK_SECRET_KEYS: string;
  WEBHOOK_ALLOW_PRIVATE_TARGETS: boolean;
  WEBHOOK_RETRY_FOR_SECONDS: number;
  WEBHOOK_RETRY_BASE_DELAY_MS: number;
  WEBHOOK_RETRY_MAX_DELAY_MS: number;
  WEBHOOK_DISABLE_AFTER_SECONDS: number;
  WEBHOOK_SECRET_GRACE_SECONDS: number;
  WEBHOOK_TIMEOUT_MS: number;
  WEBHOOK_DELIVERY_CONCURRENCY: number;
  WEBHOOK_JOB_LOCK_MS: number;
  WEBHOOK_SWEEP_INTERVAL_MS: number;
}
