import { env } from './env';
import { eventsEnv } from './events-env';
import { GATEWAY_SECRET } from './gateway-trust-env';
import { queryLimitsEnv } from './query-limits-env';
import { rateLimitEnv } from './rate-limit-env';
import { shutdownEnv } from './shutdown-env';
import { streamRetentionEnv } from './stream-retention-env';

/**
 * The variables every Rapport service reads. Defaults suit one laptop; the
 * isolation variables (schema, stream suffix, subject prefix, Redis prefix)
 * let test runs share one Postgres/NATS/Redis without colliding.
 */
export const platformEnv = {
  NODE_ENV: env.oneOf(['development', 'production', 'test'] as const, { default: 'development', description: 'runtime mode' }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
    default: 'info',
    description: 'minimum log level',
  }),
  DATABASE_URL: env.url({
    protocols: ['postgres', 'postgresql'],
    default: 'postgres://postgres@127.0.0.1:5432/rapport',
    description:
      'PostgreSQL connection URL the service runs with: in production the login of its runtime role (DB_ROLE); any other login switches to DB_ROLE at connect',
  }),
  DATABASE_OWNER_URL: env.url({
    protocols: ['postgres', 'postgresql'],
    default: '',
    description:
      "PostgreSQL connection URL migrations run with: the owner of the service's schema (empty: DATABASE_URL, e.g. a development superuser)",
  }),
  NATS_URL: env.url({ protocols: ['nats', 'tls'], default: 'nats://127.0.0.1:4222', description: 'NATS server URL (JetStream enabled)' }),
  REDIS_URL: env.url({ protocols: ['redis', 'rediss'], default: 'redis://127.0.0.1:6379', description: 'Redis URL' }),
  IDENTITY_JWKS_URL: env.url({
    protocols: ['http', 'https'],
    default: 'http://127.0.0.1:4001/.well-known/jwks.json',
    description: 'where services fetch the public keys that verify access tokens',
  }),
  RUN_MIGRATIONS: env.oneOf(['true', 'false', 'only'] as const, {
    default: 'true',
    description: 'run migrations at start; "only" runs them and exits',
  }),
  DB_SCHEMA_SUFFIX: env.string({ default: '', description: 'appended to the service schema name (test isolation)' }),
  DB_ROLE: env.identifier({
    default: '',
    description: "the service's runtime role: owns nothing, reaches only its own schema (empty: rapport_<service>)",
  }),
  DB_APP_ROLE: env.identifier({
    default: '',
    description: 'role tenant transactions switch to, so row-level security applies (empty: <DB_ROLE>_tenant)',
  }),
  NATS_SUBJECT_PREFIX: env.string({ default: '', description: 'prefix for every subject (test isolation)' }),
  NATS_STREAM_SUFFIX: env.string({ default: '', description: 'suffix for every stream and durable consumer name (test isolation)' }),
  REDIS_PREFIX: env.string({ default: 'rapport', description: 'prefix for every Redis key and BullMQ queue' }),
  METRICS_TOKEN: env.string({
    default: '',
    description: 'bearer token GET /metrics requires; without it /metrics is open, and not served at all in production',
  }),
  HOST: env.string({
    default: '0.0.0.0',
    description:
      'address the HTTP server binds to (0.0.0.0 in containers; npm start uses 127.0.0.1 so subgraphs are not reachable from the network)',
  }),
  GATEWAY_SECRET,
  ...queryLimitsEnv,
  ...rateLimitEnv,
  ...shutdownEnv,
  ...eventsEnv,
  ...streamRetentionEnv,
};
