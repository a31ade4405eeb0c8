import { env, loadEnv, platformEnv, type EnvOf } from '@rapport/config';

export const gatewayEnv = {
  NODE_ENV: platformEnv.NODE_ENV,
  LOG_LEVEL: platformEnv.LOG_LEVEL,
  REDIS_URL: platformEnv.REDIS_URL,
  REDIS_PREFIX: platformEnv.REDIS_PREFIX,
  IDENTITY_JWKS_URL: platformEnv.IDENTITY_JWKS_URL,
  PORT: env.int({ default: 4000, min: 0, max: 65535, description: 'HTTP port of the public GraphQL endpoint' }),
  SUBGRAPH_IDENTITY_URL: env.url({ protocols: ['http', 'https'], default: 'http://127.0.0.1:4001/graphql', description: 'identity subgraph' }),
  SUBGRAPH_SALES_URL: env.url({ protocols: ['http', 'https'], default: 'http://127.0.0.1:4002/graphql', description: 'sales subgraph' }),
  IDENTITY_URL: env.url({ protocols: ['http', 'https'], default: 'http://127.0.0.1:4001', description: 'identity base URL (API-key exchange)' }),
  MAX_QUERY_DEPTH: env.int({ default: 12, min: 2, max: 50, description: 'deepest selection allowed' }),
  MAX_QUERY_COST: env.int({ default: 20_000, min: 10, description: 'largest estimated cost allowed (fields × page sizes)' }),
  RATE_LIMIT_PER_MINUTE: env.int({ default: 1200, min: 1, description: 'operations per minute per user or API key' }),
  ANON_RATE_LIMIT_PER_MINUTE: env.int({ default: 60, min: 1, description: 'operations per minute per IP for anonymous calls (login)' }),
  TRUST_PROXY_HOPS: env.int({
    default: 0,
    min: 0,
    max: 10,
    description: 'load balancers in front of the gateway whose X-Forwarded-For is trusted (0: use the socket address, so clients cannot fake their IP)',
  }),
  GRAPHIQL: env.bool({ default: true, description: 'serve the offline GraphiQL IDE on GET /graphql (never in production)' }),
};

export type GatewayConfig = EnvOf<typeof gatewayEnv>;

export function loadGatewayConfig(source: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadEnv(gatewayEnv, source);
}

/** Subgraph name (as in the supergraph) → URL, overridable per deployment. */
export function subgraphUrls(config: GatewayConfig): Record<string, string> {
  return { identity: config.SUBGRAPH_IDENTITY_URL, sales: config.SUBGRAPH_SALES_URL };
}
