import { env } from './env';

/** How every Rapport process stops on SIGTERM (libs/observability shutdownOnSignals). */
export const shutdownEnv = {
  SHUTDOWN_GRACE_MS: env.int({
    default: 5000,
    min: 0,
    max: 120_000,
    description:
      'after SIGTERM: how long the process keeps serving while /health/ready answers 503, so traffic moves away before it stops taking any (npm start and tests: 0)',
  }),
  SHUTDOWN_TIMEOUT_MS: env.int({
    default: 25_000,
    min: 1000,
    max: 600_000,
    description:
      'longest the drain after the grace period may take (consumers, jobs, outbox, NATS, database); past it the process exits 1 whatever Redis, NATS or Postgres do',
  }),
};
