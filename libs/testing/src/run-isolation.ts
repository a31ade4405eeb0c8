import { randomBytes } from 'node:crypto';

/**
 * One id per test run; every schema, stream, subject and Redis key the run
 * creates carries it, so concurrent runs on one machine never collide and
 * teardown knows exactly what to remove.
 */
export function newRunId(): string {
  return `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export const TEST_DATABASE = 'rapport_test';

export function isolationEnv(runId: string): Record<string, string> {
  const base = process.env.TEST_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${TEST_DATABASE}`;
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    RAPPORT_TEST_RUN_ID: runId,
    DATABASE_URL: base,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    DB_SCHEMA_SUFFIX: runId,
    NATS_SUBJECT_PREFIX: runId,
    NATS_STREAM_SUFFIX: runId,
    REDIS_PREFIX: `rapport-test:${runId}`,
    // Services a test spawns as processes stop at once on SIGTERM; the shutdown test sets its own.
    SHUTDOWN_GRACE_MS: '0',
    // The gateway signs what it forwards to subgraphs with this (one per run, like the names above).
    GATEWAY_SECRET: `gateway-${runId}-${randomBytes(16).toString('hex')}`,
  };
}
