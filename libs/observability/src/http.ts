import { randomUUID } from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { HealthRegistry } from './health';
import { logContext } from './logger';
import type { ServiceMetrics } from './metrics';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request id (taken from x-request-id when well-formed, else new), log
 * context, latency metric and one access-log line per request.
 */
export function requestObservability(logger: Logger, metrics: ServiceMetrics) {
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
      const route = operational ? path : path.replace(/[0-9a-f-]{36}/gi, ':id');
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      if (!operational)
        logger.info({ requestId, method: req.method, path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    logContext.run({ requestId }, next);
  };
}

/** Mounts GET /health/live, GET /health/ready and GET /metrics. */
export function mountOperationalRoutes(app: Express, health: HealthRegistry, metrics: ServiceMetrics): void {
  app.get('/health/live', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  app.get('/health/ready', (_req, res, next) => {
    health
      .readiness()
      .then((report) => res.status(report.status === 'ok' ? 200 : 503).json(report))
      .catch(next);
  });
  app.get('/metrics', (_req, res, next) => {
    metrics.registry
      .metrics()
      .then((body) => res.type(metrics.registry.contentType).send(body))
      .catch(next);
  });
}
