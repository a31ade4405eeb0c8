import Redis from 'ioredis';
import { connect } from 'nats';
import { Client } from 'pg';
import { isolationEnv, newRunId, TEST_DATABASE } from './run-isolation';

/** Jest global setup for integration tests: a run id, its environment, reachable servers and the test database. */
export default async function globalSetup(): Promise<void> {
  const runId = newRunId();
  Object.assign(process.env, isolationEnv(runId));
  await requireServers();
  const admin = new Client({ connectionString: adminUrl(process.env.DATABASE_URL as string) });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEST_DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${TEST_DATABASE}`).catch(ignoreDuplicate);
  } finally {
    await admin.end();
  }
}

function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

function ignoreDuplicate(err: { code?: string }): void {
  if (err.code !== '42P04' && err.code !== '23505') throw err;
}

/** Integration tests need the real servers; say exactly which one is missing and how to get it. */
async function requireServers(): Promise<void> {
  const problems: string[] = [];
  const pg = new Client({ connectionString: adminUrl(process.env.DATABASE_URL as string), connectionTimeoutMillis: 3000 });
  await pg.connect().then(
    () => pg.end(),
    (err: Error) => problems.push(`PostgreSQL at ${process.env.DATABASE_URL}: ${err.message} (start it, or set TEST_DATABASE_URL)`),
  );
  await connect({ servers: process.env.NATS_URL, timeout: 3000 }).then(
    async (nc) => {
      await (
        await nc.jetstreamManager()
      )
        .getAccountInfo()
        .catch(() => problems.push(`NATS at ${process.env.NATS_URL} has no JetStream (run nats-server -js)`));
      await nc.close();
    },
    (err: Error) => problems.push(`NATS at ${process.env.NATS_URL}: ${err.message} (run nats-server -js, or set NATS_URL)`),
  );
  const redis = new Redis(process.env.REDIS_URL as string, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  await redis.connect().then(
    () => redis.quit(),
    (err: Error) => problems.push(`Redis at ${process.env.REDIS_URL}: ${err.message} (run redis-server, or set REDIS_URL)`),
  );
  if (problems.length > 0) throw new Error(`Integration tests need these servers:\n  - ${problems.join('\n  - ')}`);
}
