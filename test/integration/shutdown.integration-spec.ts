/**
 * How a subgraph process ends on SIGTERM, run as `npm start` and Kubernetes
 * run it: the built service (dist/) in its own process, against this run's
 * Postgres/NATS/Redis names. Sales stands for every subgraph: the sequence is
 * service-kit's (bootstrapService, shutdownOnSignals, JobQueues) and sales
 * uses job queues. No assertion is on elapsed time: each test waits for the
 * event it expects (a 503, an exit) under Jest's cap, and before these fixes
 * that event never came (one service was still up 6.5 minutes after SIGTERM).
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

const ROOT = join(__dirname, '..', '..');
const SALES = join(ROOT, 'dist', 'apps', 'sales', 'src', 'main.js');

jest.setTimeout(90_000);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startSales(env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [SALES], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  // Listening (liveness), not ready: one test runs it without a Redis to be ready with. A process that never
  // listens is killed here: left running, it would keep consuming this worker's streams for later suites.
  const deadline = Date.now() + 60_000;
  while (
    !(await fetch(`${url}/health/live`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null) throw new Error(`sales exited before listening:\n${output.slice(-3000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`sales did not listen within 60 s:\n${output.slice(-3000)}`);
    }
    await sleep(200);
  }
  return { child, port, url, output: () => output, exited };
}

/** A TCP relay that can be frozen: connections stay open and nothing more gets through, like a hung server. */
async function freezableRelay(target: { host: string; port: number }): Promise<{ port: number; freeze(): void; close(): void }> {
  const sockets: Socket[] = [];
  let frozen = false;
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(target);
    sockets.push(client, upstream);
    client.on('data', (d) => frozen || upstream.write(d));
    upstream.on('data', (d) => frozen || client.write(d));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => (frozen = true),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Sales' schema (migrated) holding one open activity whose reminder the start-up sweep must plan. */
async function withOpenActivityReminder(): Promise<void> {
  execSync(`${JSON.stringify(process.execPath)} ${JSON.stringify(SALES)}`, {
    cwd: ROOT,
    env: { ...process.env, RUN_MIGRATIONS: 'only' },
    stdio: 'ignore',
    timeout: 120_000,
  });
  const pg = new Client({ connectionString: process.env.DATABASE_URL });
  await pg.connect();
  try {
    await pg.query(
      `INSERT INTO "sales_${process.env.DB_SCHEMA_SUFFIX}".activities (id, tenant_id, type, target_type, target_id, subject, due_at)
       VALUES ($1, $2, 'TASK', 'CONTACT', $3, 'Call back', now() + interval '1 day')`,
      [randomUUID(), randomUUID(), randomUUID()],
    );
  } finally {
    await pg.end();
  }
}

const graphqlTypename = (url: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });

describe('subgraph shutdown (built sales process)', () => {
  const running: Running[] = [];

  beforeAll(() => {
    if (!existsSync(SALES)) execSync('npm run build', { cwd: ROOT, stdio: 'inherit', timeout: 300_000 });
  }, 300_000);

  afterEach(async () => {
    for (const r of running.splice(0)) {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
      await r.exited;
    }
  });

  it('on SIGTERM reports unready but keeps serving for the grace period; a second signal ends it; then it closes its port and exits 0', async () => {
    // A grace period far longer than the test: only the second signal can end it.
    const sales = await startSales({ SHUTDOWN_GRACE_MS: '120000' });
    running.push(sales);
    expect((await fetch(`${sales.url}/health/ready`)).status).toBe(200);

    sales.child.kill('SIGTERM');
    while ((await fetch(`${sales.url}/health/ready`)).status !== 503) await sleep(50);
    // Unready, yet requests that still arrive (load balancers lag) are answered.
    const during = await graphqlTypename(sales.url);
    expect(during.status).toBe(200);
    expect(await during.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await fetch(`${sales.url}/health/live`)).status).toBe(200);
    expect(sales.child.exitCode).toBeNull();

    sales.child.kill('SIGTERM');
    expect(await sales.exited).toEqual({ code: 0, signal: null });
    expect(
      await fetch(`${sales.url}/health/live`).then(
        () => 'answered',
        () => 'closed',
      ),
    ).toBe('closed');
    expect(sales.output()).toContain('second signal: ending the grace period now');
  });

  it('with Redis unreachable and reminders to re-plan, it still starts (live, not ready), and SIGTERM ends it without waiting for Redis', async () => {
    // Work waiting for Redis at start-up (the reminder sweep's queue.add) must not hold up listening.
    await withOpenActivityReminder();
    const deadRedis = await freePort(); // nothing listens there
    const sales = await startSales({ REDIS_URL: `redis://127.0.0.1:${deadRedis}`, SHUTDOWN_GRACE_MS: '0', SHUTDOWN_TIMEOUT_MS: '600000' });
    running.push(sales);
    expect((await fetch(`${sales.url}/health/ready`)).status).toBe(503);
    sales.child.kill('SIGTERM');
    // The watchdog is 10 minutes away: exiting 0 here is the job queues' own doing.
    expect(await sales.exited).toEqual({ code: 0, signal: null });
    expect(sales.output()).toContain('Redis is unreachable at shutdown');
  });

  it('when Postgres hangs during the close, the watchdog ends the process after SHUTDOWN_TIMEOUT_MS with exit code 1', async () => {
    const pgUrl = new URL(process.env.DATABASE_URL as string);
    const relay = await freezableRelay({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    try {
      pgUrl.hostname = '127.0.0.1';
      pgUrl.port = String(relay.port);
      const sales = await startSales({ DATABASE_URL: pgUrl.toString(), SHUTDOWN_GRACE_MS: '0', SHUTDOWN_TIMEOUT_MS: '2000' });
      running.push(sales);
      relay.freeze();
      sales.child.kill('SIGTERM');
      expect(await sales.exited).toEqual({ code: 1, signal: null });
      expect(sales.output()).toContain('shutdown did not finish within SHUTDOWN_TIMEOUT_MS');
    } finally {
      relay.close();
    }
  });
});
