import {
  env,
  loadEnv,
  platformEnv,
  queryLimitsEnv,
  linkRateLimitEnv,
  rateLimitEnv,
  requireGatewaySecretInProduction,
  shutdownEnv,
  type EnvField,
  type EnvOf,
} from '@rapport/config';
import { defaultSubgraphUrl, SUBGRAPHS, subgraphUrlVariable } from './subgraphs';

export const gatewayEnv = {
  NODE_ENV: platformEnv.NODE_ENV,
  LOG_LEVEL: platformEnv.LOG_LEVEL,
  REDIS_URL: platformEnv.REDIS_URL,
  REDIS_PREFIX: platformEnv.REDIS_PREFIX,
  METRICS_TOKEN: platformEnv.METRICS_TOKEN,
  IDENTITY_JWKS_URL: platformEnv.IDENTITY_JWKS_URL,
  // Identity's revocations (docs/adr/013-revocation.md); the gateway serves without NATS.
  NATS_URL: platformEnv.NATS_URL,
  NATS_SUBJECT_PREFIX: platformEnv.NATS_SUBJECT_PREFIX,
  NATS_STREAM_SUFFIX: platformEnv.NATS_STREAM_SUFFIX,
  PORT: env.int({ default: 4000, min: 0, max: 65535, description: 'HTTP port of the public GraphQL endpoint' }),
  IDENTITY_URL: env.url({
    protocols: ['http', 'https'],
    default: 'http://127.0.0.1:4001',
    description: 'identity base URL (API-key exchange)',
  }),
  ...queryLimitsEnv,
  ...shutdownEnv,
  ...rateLimitEnv,
  // Signs the caller's address on each subgraph fetch, so subgraphs limit the caller and not the gateway.
  GATEWAY_SECRET: platformEnv.GATEWAY_SECRET,
  ...linkRateLimitEnv,
  TRUST_PROXY_HOPS: env.int({
    default: 0,
    min: 0,
    max: 10,
    description:
      'load balancers in front of the gateway whose X-Forwarded-For is trusted (0: use the socket address, so clients cannot fake their IP)',
  }),
  QUEUE_DASHBOARD_TENANT: env.string({
    default: '',
    description:
      'slug of the operators’ tenant whose admins may open the job-queue dashboard at /admin/queues (it shows every tenant’s jobs); empty: no dashboard',
  }),
  SUBGRAPH_TIMEOUT_MS: env.int({
    default: 5000,
    min: 100,
    max: 120_000,
    description:
      'longest a subgraph call may take; past it the fields that call was to fill are null with a TIMEOUT error, and the rest of the answer still comes',
  }),
  SUBSCRIPTIONS_PER_CALLER: env.int({
    default: 100,
    min: 1,
    max: 100_000,
    description:
      'GraphQL subscriptions one caller (user or API key) may hold open across all gateway replicas together (counted in Redis); one more is refused with RATE_LIMITED',
  }),
  SUBSCRIPTION_BUFFER: env.int({
    default: 256,
    min: 1,
    max: 100_000,
    description:
      'subscription results one WebSocket connection may leave unread; past it the gateway closes the connection with code 4413 (slow consumer)',
  }),
  READ_CACHE: env.bool({
    default: true,
    description:
      'keep subgraph answers to contact and account reads (the 360° view) in memory until a write of their tenant replaces its generation — every service replaces it after each transaction that wrote, before going on (ADR 080)',
  }),
  READ_CACHE_MAX_MB: env.int({
    default: 64,
    min: 1,
    max: 65_536,
    description: 'memory the read cache may take per gateway replica; past it the least recently used answers go',
  }),
  READ_CACHE_TTL_MS: env.int({
    default: 30_000,
    min: 100,
    max: 3_600_000,
    description: 'longest an answer is served from the read cache, even with no event of its tenant (for changes no event announces)',
  }),
  GRAPHIQL: env.bool({ default: true, description: 'serve the offline GraphiQL IDE on GET /graphql (never in production)' }),
};

const subgraphEnv: Record<string, EnvField<string>> = Object.fromEntries(
  SUBGRAPHS.map((s) => [
    subgraphUrlVariable(s.name),
    env.url({ protocols: ['http', 'https'], default: defaultSubgraphUrl(s.port), description: `${s.name} subgraph GraphQL URL` }),
  ]),
);

export type GatewayConfig = EnvOf<typeof gatewayEnv> & { subgraphUrls: Record<string, string> };

export function loadGatewayConfig(source: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = loadEnv(gatewayEnv, source);
  requireGatewaySecretInProduction(config);
  const urls = loadEnv(subgraphEnv, source);
  return { ...config, subgraphUrls: Object.fromEntries(SUBGRAPHS.map((s) => [s.name, urls[subgraphUrlVariable(s.name)] as string])) };
}
