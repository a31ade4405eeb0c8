import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { HealthRegistry } from './health';
import { logContext } from './logger';
import type { ServiceMetrics } from './metrics';
import { RouteLabels } from './route-label';

/** What a request id may look like when a caller (or an event's message header) brings one. */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request id (taken from x-request-id when well-formed, else new), log
 * context, latency metric and one access-log line per request.
 */
export function requestObservability(logger: Logger, metrics: ServiceMetrics) {
  const routes = new RouteLabels();
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    (req as Request & { requestId: string }).requestId = requestId;
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // originalUrl: by now a mounted router has stripped its prefix from req.path.
      const path = req.originalUrl.split('?')[0];
      const operational = path.startsWith('/health') || path === '/metrics';
      const template = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : undefined;
      const route = routes.label({ path, template, status: res.statusCode });
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      if (!operational)
        logger.info({ requestId, method: req.method, path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    logContext.run({ requestId }, next);
  };
}

/** Who may read GET /metrics: a bearer token when one is set; without one, anyone — except in production, where it is not served. */
export interface MetricsAccess {
  token?: string;
  production: boolean;
}

/** Mounts GET /health/live, GET /health/ready and GET /metrics. */
export function mountOperationalRoutes(app: Express, health: HealthRegistry, metrics: ServiceMetrics, access: MetricsAccess): void {
  app.get('/health/live', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  app.get('/health/ready', (_req, res, next) => {
    health
      .readiness()
      .then((report) => res.status(report.status === 'ok' ? 200 : 503).json(report))
      .catch(next);
  });
  // In production a public /metrics tells anyone the process's routes and load; it takes METRICS_TOKEN there.
  if (access.production && !access.token) return;
  app.get('/metrics', (req, res, next) => {
    if (access.token && !bearerMatches(req.header('authorization'), access.token)) {
      return void res.status(401).set('www-authenticate', 'Bearer').json({ code: 'UNAUTHENTICATED' });
    }
    metrics.registry
      .metrics()
      .then((body) => res.type(metrics.registry.contentType).send(body))
      .catch(next);
  });
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
