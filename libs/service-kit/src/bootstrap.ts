import type { Server } from 'node:http';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  createLogger,
  HealthRegistry,
  mountOperationalRoutes,
  PinoNestLogger,
  requestObservability,
  shutdownOnSignals,
  type ServiceMetrics,
} from '@rapport/observability';
import { bodyLimitErrorHandler } from '@rapport/query-limits';
import type { ServiceDefinition } from './definition';
import { migrateAsOwner } from './infrastructure.providers';
import { CallerRateLimit } from './limits/caller-rate-limit';
import { requestReadsMiddleware } from './request-reads';
import { loadServiceConfig } from './service-config';
import { LOGGER, METRICS } from './tokens';

export interface StartedService {
  app: INestApplication;
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The one start-up path for every subgraph: validate config, (optionally only)
 * migrate, build the Nest app, mount health/metrics ahead of GraphQL, listen,
 * and shut down gracefully on SIGTERM/SIGINT: unready while still serving for
 * SHUTDOWN_GRACE_MS, then Nest's close (the order is InfrastructureLifecycle's),
 * all of it bounded by SHUTDOWN_TIMEOUT_MS.
 */
export async function bootstrapService(appModule: Type<unknown>, def: ServiceDefinition): Promise<StartedService | null> {
  const config = loadServiceConfig(def);
  const logger = createLogger(def.name, config.LOG_LEVEL);
  if (config.RUN_MIGRATIONS === 'only') {
    await migrateAsOwner(def, config, logger);
    logger.info({ schema: config.dbSchema }, 'migrations complete; exiting (RUN_MIGRATIONS=only)');
    return null;
  }
  const app = await NestFactory.create<NestExpressApplication>(appModule, {
    logger: new PinoNestLogger(logger),
    bodyParser: true,
    // Signed webhooks (e.g. delivery receipts) are verified over the exact bytes received.
    rawBody: true,
  });
  app.disable('x-powered-by');
  // Express hashes every answer's body for an ETag; GraphQL answers are POSTs no client revalidates.
  app.disable('etag');
  const express = app.getHttpAdapter().getInstance();
  // Ahead of the body parser, as at the gateway: a flood of direct calls costs one Redis round trip each.
  const rateLimit = app.get(CallerRateLimit);
  express.use('/graphql', rateLimit.middleware());
  // Every other route too (PDFs, key exchange, links): anyone who reaches the port can call them directly.
  express.use(rateLimit.httpMiddleware());
  app.useBodyParser('json', { limit: config.MAX_BODY_BYTES });
  // Right after the parser: an oversized or malformed body is a 413/400 naming the problem, not an error page.
  express.use(bodyLimitErrorHandler(config.MAX_BODY_BYTES));
  express.use(requestObservability(app.get(LOGGER), app.get<ServiceMetrics>(METRICS)));
  // After the body parser (see requestReadsMiddleware): the fields of a query share one read-only transaction.
  express.use('/graphql', requestReadsMiddleware());
  mountOperationalRoutes(express, app.get(HealthRegistry), app.get<ServiceMetrics>(METRICS), {
    token: config.METRICS_TOKEN || undefined,
    production: config.NODE_ENV === 'production',
  });
  // Not Nest's enableShutdownHooks: it closes at once on the signal, with no grace period and no bound.
  const shutdown = shutdownOnSignals({
    health: app.get(HealthRegistry),
    logger,
    graceMs: config.SHUTDOWN_GRACE_MS,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: () => app.close(),
  });
  // The gateway reuses its connections to a subgraph. Closing an idle one at Node's default 5 s races with
  // that reuse under load (ECONNRESET, answered SERVICE_UNAVAILABLE); 65 s, as at the gateway, leaves the
  // closing to the client, which announces it drops sockets a second before the timeout it is told.
  const http = app.getHttpServer() as Server;
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  await app.listen(config.PORT, config.HOST);
  const port = (app.getHttpServer().address() as { port: number }).port;
  const wildcard = config.HOST === '0.0.0.0' || config.HOST === '::';
  const url = `http://${wildcard ? '127.0.0.1' : config.HOST}:${port}`;
  logger.info({ url }, `${def.name} listening`);
  return {
    app,
    url,
    port,
    close: async () => {
      shutdown.dispose();
      await app.close();
    },
  };
}
