import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { Client } from 'pg';
import Redis from 'ioredis';
import { processTree } from './process-cpu';

export interface BenchPlatform {
  gatewayUrl: string;
  salesUrl: string;
  /** Subject prefix the platform's services use ('' for a platform given by URL). */
  subjectPrefix: string;
  /** The isolation id of a platform this started (schemas, streams and Redis keys carry it); null for one given by URL. */
  runId: string | null;
  /** The platform's processes now (launcher and services), to read their CPU time; [] for one given by URL or without /proc. */
  processIds(): number[];
  stop(): Promise<void>;
}

/**
 * Ports of a platform the benchmarks start: every service on its own, away from `npm start`'s 4000–4005;
 * BENCH_PORT_BASE moves them (two benchmarks on one machine would otherwise talk to each other's platform).
 */
const base = Number(process.env.BENCH_PORT_BASE || 4100);
export const BENCH_PORTS = {
  gateway: base,
  identity: base + 1,
  sales: base + 2,
  service: base + 3,
  analytics: base + 4,
  marketing: base + 5,
  // Service's inbound SMTP (email to case): its default 2525 is taken by `npm start` or another bench.
  serviceSmtp: base + 6,
  /** The first port of the second replicas (benchPlatform's `replicas`), one each from here. */
  replicas: base + 10,
} as const;

/**
 * Uses a running platform when BENCH_GATEWAY_URL and BENCH_SALES_URL are set
 * (and reads its CPU time when BENCH_PLATFORM_PID names its launcher);
 * otherwise starts one with the `npm start` launcher on its own ports, each
 * service in its own process (as deployed), isolated like a test run: a run
 * id is the schema suffix, subject prefix, stream suffix and Redis prefix, so
 * a benchmark never touches the data of `npm start` or of another run. On
 * stop it removes the run's schemas, streams and Redis keys.
 */
/**
 * `env`: extra settings for the started platform (e.g. marketing's mail server).
 * `replicas`: services to run a second process of beside the launcher's (as a
 * Deployment with replicas: 2 would), on the same schemas, streams, durable
 * consumers and queues, each on its own port above the platform's.
 */
export async function benchPlatform(env: Record<string, string> = {}, replicas: readonly string[] = []): Promise<BenchPlatform> {
  const { BENCH_GATEWAY_URL, BENCH_SALES_URL } = process.env;
  if (BENCH_GATEWAY_URL && BENCH_SALES_URL) {
    // BENCH_PLATFORM_PID: the launcher of that platform (same machine), so CPU per request can still be read.
    const launcher = Number(process.env.BENCH_PLATFORM_PID);
    return {
      gatewayUrl: BENCH_GATEWAY_URL,
      salesUrl: BENCH_SALES_URL,
      subjectPrefix: process.env.NATS_SUBJECT_PREFIX ?? '',
      runId: null,
      processIds: () => (Number.isInteger(launcher) && launcher > 0 ? processTree(launcher) : []),
      stop: async () => undefined,
    };
  }
  const runId = `bench${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const isolation = {
    DB_SCHEMA_SUFFIX: runId,
    NATS_SUBJECT_PREFIX: runId,
    NATS_STREAM_SUFFIX: runId,
    REDIS_PREFIX: `rapport-bench:${runId}`,
  };
  const shared = {
    ...isolation,
    PORT: String(BENCH_PORTS.gateway),
    IDENTITY_PORT: String(BENCH_PORTS.identity),
    SALES_PORT: String(BENCH_PORTS.sales),
    SERVICE_PORT: String(BENCH_PORTS.service),
    ANALYTICS_PORT: String(BENCH_PORTS.analytics),
    MARKETING_PORT: String(BENCH_PORTS.marketing),
    SERVICE_INBOUND_SMTP_PORT: String(BENCH_PORTS.serviceSmtp),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // Production requires it; the run's data (and so every secret it sealed) is removed after the run.
    WEBHOOK_SECRET_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    // The benchmark measures serving, not the limiter's refusals.
    RATE_LIMIT_PER_MINUTE: '100000000',
    // Nor its subgraph timeout: some timed operations (a segment over a million contacts) run longer than the default.
    SUBGRAPH_TIMEOUT_MS: '120000',
    // A full-size run takes longer than the default 15-minute token; it signs in once.
    ACCESS_TOKEN_TTL_SECONDS: '86400',
    // Every process of the run (a second replica too) trusts the one gateway.
    GATEWAY_SECRET: randomBytes(32).toString('base64url'),
    ...env,
  };
  const child = spawn(process.execPath, [join(__dirname, '..', 'start', 'main.js')], {
    env: { ...process.env, ...shared },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The launcher writes every service's log lines to its stdout; a pipe nobody reads fills at 64 KB, and then its writes
  // (synchronous to a pipe on Linux), and the services' behind it, block: the platform would freeze mid-benchmark.
  // Kept in a file instead, for the errors behind a failed or degraded row.
  const logPath = join(tmpdir(), `rapport-${runId}.log`);
  child.stdout?.pipe(createWriteStream(logPath));
  const gatewayUrl = `http://127.0.0.1:${BENCH_PORTS.gateway}`;
  const extra: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(extra.map(stopChild));
    await stopChild(child);
    await removeRunData(runId, isolation.REDIS_PREFIX);
    console.log(`the platform's output (warnings and errors): ${logPath}`);
  };
  try {
    await waitUntilReady(child, `${gatewayUrl}/health/ready`);
    for (const [i, service] of replicas.entries()) {
      const port = BENCH_PORTS.replicas + i;
      const replica = spawn(process.execPath, [join(__dirname, '..', '..', 'apps', service, 'src', 'main.js')], {
        env: {
          ...process.env,
          ...shared,
          PORT: String(port),
          HOST: '127.0.0.1',
          IDENTITY_JWKS_URL: `http://127.0.0.1:${BENCH_PORTS.identity}/.well-known/jwks.json`,
          // The launcher's replica migrated already; the inbound SMTP port is the first replica's.
          RUN_MIGRATIONS: 'false',
          SERVICE_INBOUND_SMTP_PORT: '0',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      extra.push(replica);
      await waitUntilReady(replica, `http://127.0.0.1:${port}/health/ready`);
      console.log(`second ${service} replica ready on port ${port}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const processIds = () => [child, ...extra].flatMap((p) => (p.pid === undefined ? [] : processTree(p.pid)));
  return { gatewayUrl, salesUrl: `http://127.0.0.1:${BENCH_PORTS.sales}`, subjectPrefix: runId, runId, processIds, stop };
}

/** Drops the run's schemas (`*_<run>`), deletes its streams (`*_<run>`, durables go with them) and its Redis keys. */
async function removeRunData(runId: string, redisPrefix: string): Promise<void> {
  const pg = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rapport' });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`%\\_${runId}`]);
    for (const { nspname } of rows) await pg.query(`DROP SCHEMA "${nspname}" CASCADE`);
  } finally {
    await pg.end();
  }
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  try {
    const jsm = await nc.jetstreamManager();
    for await (const stream of jsm.streams.list()) {
      if (stream.config.name.endsWith(`_${runId}`)) await jsm.streams.delete(stream.config.name);
    }
  } finally {
    await nc.close();
  }
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  console.log(`removed the run's schemas, streams and Redis keys (${runId})`);
}

async function waitUntilReady(child: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`platform exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`platform not ready at ${url} within 180 s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}
