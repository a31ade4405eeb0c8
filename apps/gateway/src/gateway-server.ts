import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { formatApiError, RateLimiter, TokenVerifier } from '@rapport/auth';
import { TenantGenerations } from '@rapport/messaging';
import { bodyLimitErrorHandler, KnownOperationTypesRule } from '@rapport/query-limits';
import { createLogger, createMetrics, HealthRegistry, mountOperationalRoutes, requestObservability } from '@rapport/observability';
import express from 'express';
import Redis from 'ioredis';
import { Gauge } from 'prom-client';
import { ApiKeyExchanger } from './auth/api-key-exchanger';
import { identifyCredentials, type Caller } from './auth/caller';
import { followRevocations } from './auth/revocations';
import type { GatewayConfig } from './gateway.env';
import { mountBulkProxy } from './bulk/bulk-proxy';
import { mountDocumentProxy } from './documents/document-proxy';
import { mountGraphiQL } from './graphiql/graphiql';
import { mountSubgraphHealth } from './health/subgraph-health';
import { mountQueueDashboard } from './queue-dashboard/queue-dashboard';
import { mountLinkProxy } from './links/link-proxy';
import { SERVICE_LINK_ROUTES } from './links/public-link-routes';
import { callerOf, callerRateLimit } from './limits/caller-rate-limit';
import { guardPlugin } from './limits/guard-plugin';
import { AnswerStore } from './read-cache/answer-store';
import { ReadCache } from './read-cache/read-cache';
import { asksForFreshAnswers } from './read-cache/fresh-answers';
import { SubgraphDataSource } from './subgraph-data-source';
import { DEFAULT_MAX_SOCKETS, subgraphFetcher } from './subgraph-fetcher';
import { CallerSubscriptions } from './subscriptions/caller-subscriptions';
import { SubscribableGateway } from './subscriptions/served-schema';
import { followSubscriptionEvents } from './subscriptions/subscription-events';
import { SubscriptionHub } from './subscriptions/subscription-hub';
import { serveSubscriptions } from './subscriptions/subscription-server';

export const SUPERGRAPH_PATH = join(__dirname, 'supergraph.graphql');

/** A replica's subscriptions count against their caller's limit this long after it last renewed them (it renews every 10 s). */
const SUBSCRIPTION_LEASE_MS = 30_000;

export interface RunningGateway {
  url: string;
  port: number;
  /** Readiness; shutdown marks it draining before the grace period (main.ts). */
  health: HealthRegistry;
  /** GraphQL subscriptions open on this replica (for tests and the bench; operators have /metrics). */
  subscriptions(): number;
  close(): Promise<void>;
}

/**
 * The public endpoint: plain Express + Apollo Server + Apollo Gateway over
 * the supergraph composed ahead of time (no Nest here: it measured ~40%
 * slower on the hot path and the gateway owns no domain logic).
 */
export async function startGateway(config: GatewayConfig, supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8')): Promise<RunningGateway> {
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  const health = new HealthRegistry();
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const revocations = await followRevocations(config, logger, health);
  const verifier = TokenVerifier.remote(config.IDENTITY_JWKS_URL, revocations.list);
  const exchanger = new ApiKeyExchanger(config.IDENTITY_URL, revocations.list, config.GATEWAY_SECRET);
  const urls = config.subgraphUrls;
  const production = config.NODE_ENV === 'production';
  let serving = false;

  // Readiness is the gateway's own: its Redis and a started server over the loaded supergraph. Subgraph
  // states are /health/subgraphs, never unreadiness (ADR 012).
  health.register('redis', async () => {
    if ((await redis.ping()) !== 'PONG') throw new Error('unexpected PING reply');
  });
  health.register('graphql', async () => {
    if (!serving) throw new Error('the GraphQL server has not started');
  });

  // Answers to queries kept until their tenant changes: every service replaces the tenant's generation after each commit that wrote (ADR 080, 084).
  let readCache: ReadCache | undefined;
  if (config.READ_CACHE) {
    const store = new AnswerStore(config.READ_CACHE_MAX_MB * 1024 * 1024, config.READ_CACHE_TTL_MS);
    const cache = new ReadCache(store, new TenantGenerations(redis, config.REDIS_PREFIX), logger, metrics.registry);
    health.register(
      'read-cache',
      async () => {
        if (!cache.generationsReadable()) throw new Error('the read cache is off: tenant generations cannot be read from Redis');
      },
      { readiness: false },
    );
    readCache = cache;
  }

  const app = express();
  app.disable('x-powered-by');
  // Express hashes every answer's body for an ETag; GraphQL answers are POSTs no client revalidates.
  app.disable('etag');
  // The per-IP anonymous rate limit is only as good as the IP: trust exactly the configured proxy hops.
  app.set('trust proxy', config.TRUST_PROXY_HOPS);
  app.use(requestObservability(logger, metrics));
  mountOperationalRoutes(app, health, metrics, { token: config.METRICS_TOKEN || undefined, production });
  mountSubgraphHealth(app, urls);
  if (config.GRAPHIQL && !production) mountGraphiQL(app);
  const limiter = new RateLimiter(redis, config.REDIS_PREFIX);
  const rateLimit = callerRateLimit(limiter, verifier, exchanger, {
    ratePerMinute: config.RATE_LIMIT_PER_MINUTE,
    anonymousRatePerMinute: config.ANON_RATE_LIMIT_PER_MINUTE,
  });
  mountDocumentProxy(app, urls, { verifier, exchanger, rateLimit, gatewaySecret: config.GATEWAY_SECRET });
  mountBulkProxy(app, urls, {
    verifier,
    exchanger,
    rateLimit,
    gatewaySecret: config.GATEWAY_SECRET,
  });
  const queueDashboard = config.QUEUE_DASHBOARD_TENANT
    ? mountQueueDashboard(app, {
        redis,
        prefix: config.REDIS_PREFIX,
        tenant: config.QUEUE_DASHBOARD_TENANT,
        identityUrl: urls.identity,
        verifier,
        gatewaySecret: config.GATEWAY_SECRET,
        production,
        logger,
      })
    : null;
  mountLinkProxy(app, urls.marketing, limiter, config.LINK_RATE_LIMIT_PER_MINUTE, config.GATEWAY_SECRET);
  // The service desk's satisfaction-survey links (ADR 039), the same way.
  mountLinkProxy(app, urls.service, limiter, config.LINK_RATE_LIMIT_PER_MINUTE, config.GATEWAY_SECRET, {
    prefix: /^\/s\/.+/,
    routes: SERVICE_LINK_ROUTES,
  });

  const httpServer: Server = await new Promise((resolve) => {
    const s = app.listen(config.PORT, '0.0.0.0', () => resolve(s));
  });
  httpServer.keepAliveTimeout = 65_000;

  // Keep-alive connections to the subgraphs, pooled per subgraph (ADR 056).
  const fetcher = subgraphFetcher({ maxSockets: DEFAULT_MAX_SOCKETS });
  const gateway = new SubscribableGateway(
    new ApolloGateway({
      supergraphSdl,
      buildService: ({ name, url }) =>
        new SubgraphDataSource({
          name,
          url: urls[name] ?? url,
          timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
          logger,
          gatewaySecret: config.GATEWAY_SECRET,
          fetcher,
          readCache,
        }),
    }),
  );
  const server = new ApolloServer<Caller>({
    gateway,
    // main.ts owns the signals (grace period, then a bounded close); Apollo's own handler would stop at once.
    stopOnTerminationSignals: false,
    introspection: !production,
    // Validating 10,000 aliases takes ~0.6 s; a flood stops at the token limit, in the parser, before that.
    parseOptions: { maxTokens: config.MAX_QUERY_TOKENS },
    includeStacktraceInErrorResponses: !production,
    // Kept for a schema without the Subscription type; subscriptions over HTTP are refused by guardPlugin.
    validationRules: [KnownOperationTypesRule],
    // "Did you mean …?" would let anyone map the schema that production keeps from introspection.
    hideSchemaDetailsFromClientErrors: production,
    formatError: (formatted, error) => formatApiError(formatted, { exposeStack: !production }, error),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      guardPlugin({
        maxDepth: config.MAX_QUERY_DEPTH,
        maxCost: config.MAX_QUERY_COST,
        anonymousMaxCost: config.ANON_MAX_QUERY_COST,
        maxAliases: config.MAX_QUERY_ALIASES,
        anonymousIntrospection: !production,
      }),
    ],
  });
  await server.start();
  app.use(
    '/graphql',
    rateLimit,
    express.json({ limit: config.MAX_BODY_BYTES }),
    bodyLimitErrorHandler(config.MAX_BODY_BYTES),
    expressMiddleware(server, {
      context: async ({ req }) => ({ ...(await callerOf(req, verifier, exchanger)), readCache: !asksForFreshAnswers(req) }),
    }),
  );
  serving = true;

  const hub = new SubscriptionHub();
  new Gauge({
    name: 'graphql_subscriptions',
    help: 'GraphQL subscriptions open on this gateway replica',
    registers: [metrics.registry],
    collect() {
      this.set(hub.active);
    },
  });
  const events = await followSubscriptionEvents(
    config.NATS_URL,
    { subjectPrefix: config.NATS_SUBJECT_PREFIX, streamSuffix: config.NATS_STREAM_SUFFIX },
    hub,
    logger,
    health,
  );
  // The per-caller limit holds across replicas: a caller cannot open the limit on each pod.
  const callerSubscriptions = new CallerSubscriptions(redis, config.REDIS_PREFIX, SUBSCRIPTION_LEASE_MS, (err) =>
    logger.error({ err }, 'could not update the shared subscription counts'),
  );
  const subscriptions = serveSubscriptions({
    httpServer,
    schema: () => gateway.schema,
    hub,
    identify: (credentials, ip) => identifyCredentials(credentials, ip, `ws-${randomUUID()}`, verifier, exchanger),
    tokenForKey: (apiKey, ip) => exchanger.tokenFor(apiKey, ip),
    // The same window as the caller's HTTP requests (callerRateLimit's key): a subscribe costs like a query.
    countRequest: (p) => limiter.hit(`${p.tenantId}:${p.kind}:${p.id}`, p.ratePerMinute ?? config.RATE_LIMIT_PER_MINUTE),
    runQuery: async (caller, query, variables) => {
      const response = await server.executeOperation(
        { query, variables },
        { contextValue: { ...caller, requestId: `ws-${randomUUID()}` } },
      );
      if (response.body.kind !== 'single') throw new Error('a subscription query answered incrementally');
      return response.body.singleResult;
    },
    revocations: revocations.list,
    queryLimits: {
      maxDepth: config.MAX_QUERY_DEPTH,
      maxCost: config.MAX_QUERY_COST,
      anonymousMaxCost: config.ANON_MAX_QUERY_COST,
      maxAliases: config.MAX_QUERY_ALIASES,
    },
    maxTokens: config.MAX_QUERY_TOKENS,
    perCaller: config.SUBSCRIPTIONS_PER_CALLER,
    claimSubscription: (caller, max) => callerSubscriptions.claim(caller, max),
    bufferSize: config.SUBSCRIPTION_BUFFER,
    exposeStack: !production,
    logger,
  });

  const port = (httpServer.address() as { port: number }).port;
  logger.info({ url: `http://127.0.0.1:${port}/graphql` }, 'gateway listening');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    health,
    subscriptions: () => hub.active,
    close: async () => {
      health.markDraining();
      await subscriptions.close();
      await callerSubscriptions.close();
      await events.close();
      await server.stop();
      await revocations.close();
      await queueDashboard?.close();
      redis.disconnect();
    },
  };
}
