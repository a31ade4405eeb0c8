export { createLogger, logContext } from './logger';
export type { LogContext, Logger } from './logger';
export { PinoNestLogger } from './nest-logger';
export { createMetrics } from './metrics';
export type { ServiceMetrics } from './metrics';
export { HealthRegistry } from './health';
export type { HealthCheck, HealthReport } from './health';
export { mountOperationalRoutes, requestObservability } from './http';
