import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';

/** Per-request values every log line carries (set by the request-id middleware). */
export interface LogContext {
  requestId: string;
  tenantId?: string;
  userId?: string;
}

export const logContext = new AsyncLocalStorage<LogContext>();

/**
 * Structured JSON logs, one line per event, with the service name and the
 * current request's id mixed in, so a request can be followed across the
 * gateway and subgraphs in any log store.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => {
      const ctx = logContext.getStore();
      return ctx ? { ...ctx } : {};
    },
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'password', '*.password'], censor: '[redacted]' },
  });
}

export type { Logger };
