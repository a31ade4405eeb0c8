/**
 * `npm start` end to end: the built launcher against this machine's Postgres,
 * NATS and Redis (so not its embedded/spawned branches), with its own database
 * (which the launcher must create), ports, Redis prefix and NATS names.
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { connect } from 'nats';
import { createTransport } from 'nodemailer';
import { Client } from 'pg';
import { BANNER_TITLE } from './banner';
import { probeTcp } from './network';

const ROOT = join(__dirname, '..', '..');
const LAUNCHER = join(ROOT, 'dist', 'tools', 'start', 'main.js');
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS_URL = 'nats://127.0.0.1:4222';
const REDIS_URL = 'redis://127.0.0.1:6379';

/** An address of this machine other than loopback, where other machines would reach it. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

const token = `s${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const database = `rapport_start_${token}`;
const redisPrefix = `rapport-test:${token}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The promise's value, or 'timeout' after `ms` (the timer is cleared, so Jest is not kept waiting). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function gql<T>(url: string, query: string, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!res.ok || body.errors || !body.data) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body)}`);
  return body.data;
}

describe('npm start (dist/tools/start/main.js)', () => {
  let launcher: ChildProcess | undefined;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  // The inbound SMTP port too: a free port picked apart from the others may be one of theirs (a service then fails to listen).
  const ports = { gateway: 0, identity: 0, sales: 0, analytics: 0, service: 0, marketing: 0, inboundSmtp: 0 };
  let graphql = '';

  const tail = () => `\n--- launcher output (last 4000 chars) ---\n${output.slice(-4000)}`;

  beforeAll(async () => {
    if (!existsSync(LAUNCHER)) execSync('npm run build', { cwd: ROOT, stdio: 'inherit', timeout: 300_000 });
    const used = new Set<number>();
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) {
      let port = await freePort();
      while (used.has(port)) port = await freePort();
      used.add(port);
      ports[key] = port;
    }
    graphql = `http://127.0.0.1:${ports.gateway}/graphql`;
  }, 300_000);

  afterAll(async () => {
    if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
      // A failed test left it running: a SIGTERM still stops its services in order.
      launcher.kill('SIGTERM');
      await within(exited, 30_000);
    }
    const pg = new Client({ connectionString: ADMIN_URL });
    await pg.connect();
    try {
      await pg.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    } finally {
      await pg.end();
    }
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await nc.jetstreamManager();
      for await (const stream of jsm.streams.list()) {
        if (stream.config.name.endsWith(`_${token}`)) await jsm.streams.delete(stream.config.name);
      }
    } finally {
      await nc.close();
    }
    const redis = new Redis(REDIS_URL);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it('creates its database, starts the services and the gateway, and prints the banner', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
      NATS_URL,
      REDIS_URL,
      PORT: String(ports.gateway),
      IDENTITY_PORT: String(ports.identity),
      SALES_PORT: String(ports.sales),
      ANALYTICS_PORT: String(ports.analytics),
      SERVICE_PORT: String(ports.service),
      MARKETING_PORT: String(ports.marketing),
      SERVICE_INBOUND_SMTP_PORT: String(ports.inboundSmtp),
      REDIS_PREFIX: redisPrefix,
      NATS_SUBJECT_PREFIX: token,
      NATS_STREAM_SUFFIX: token,
      // Its own database, so the services' real schema names (no test suffix from the global setup).
      DB_SCHEMA_SUFFIX: '',
      LOG_LEVEL: 'warn',
      NO_COLOR: '1',
    };
    delete env.NODE_ENV; // as `npm start` runs: development
    delete env.RAPPORT_DEMO_PASSWORD;

    launcher = spawn(process.execPath, [LAUNCHER], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    launcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const child = launcher;
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

    const deadline = Date.now() + 90_000;
    while (!output.includes(BANNER_TITLE)) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`launcher exited (${child.exitCode ?? child.signalCode}) before the banner${tail()}`);
      if (Date.now() > deadline) throw new Error(`no banner within 90 s${tail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(output).toContain(`database "${database}" created`);
    expect(output).toContain(`http://localhost:${ports.gateway}/graphql`);
    expect(output).toContain('dev mailbox at smtp://127.0.0.1:');
    expect(output).toContain(`demo@support.rapport.localhost at smtp://127.0.0.1:${env.SERVICE_INBOUND_SMTP_PORT}`);
    expect(output).toContain('admin@demo.test');
    expect(output).toContain('curl -s');
  }, 120_000);

  it('logs in with the demo login through the gateway and creates a contact', async () => {
    const { login } = await gql<{ login: { accessToken: string } }>(
      graphql,
      'mutation { login(input:{tenant:"demo",email:"admin@demo.test",password:"rapport-demo"}) { accessToken } }',
    );
    expect(login.accessToken).toMatch(/^ey/);
    const { createContact } = await gql<{ createContact: { contact: { id: string } } }>(
      graphql,
      'mutation { createContact(input:{lastName:"Smoke"}) { contact { id } } }',
      login.accessToken,
    );
    expect(createContact.contact.id).toMatch(/^[0-9a-f-]{36}$/);
  }, 30_000);

  it('takes mail for the demo tenant’s support address at the inbound SMTP endpoint it announced', async () => {
    const transport = createTransport({ host: '127.0.0.1', port: ports.inboundSmtp, secure: false, ignoreTLS: true });
    try {
      // The mailbox exists once the service has prepared the demo tenant (identity's tenant.created): retried briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          const info = await transport.sendMail({
            from: 'someone@example.test',
            to: 'demo@support.rapport.localhost',
            subject: 'Hello support',
            text: 'Does this reach a case?',
          });
          expect(info.response).toMatch(/demo@support\.rapport\.localhost: UNKNOWN_SENDER /);
          return;
        } catch (err) {
          if ((err as { responseCode?: number }).responseCode !== 550 || attempt >= 50) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      transport.close();
    }
  }, 30_000);

  it('serves the GraphQL IDE to a browser, with its assets', async () => {
    const page = await fetch(graphql, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/graphiql/graphiql.js');
    const asset = await fetch(`http://127.0.0.1:${ports.gateway}/graphiql/graphiql.js`);
    expect(asset.status).toBe(200);
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  }, 30_000);

  // Skipped, visibly, on a machine without a non-loopback IPv4 address.
  (external ? it : it.skip)(
    'keeps the subgraphs off the network (HOST=127.0.0.1) and the gateway on it',
    async () => {
      const { gateway, ...subgraphs } = ports;
      expect(await probeTcp(external!, gateway)).toBe(true);
      for (const [name, port] of Object.entries(subgraphs)) {
        expect({ name, local: await probeTcp('127.0.0.1', port), external: await probeTcp(external!, port) }).toEqual({
          name,
          local: true,
          external: false,
        });
      }
    },
    30_000,
  );

  it('restarts a service that dies, alone, and says so; the others keep running', async () => {
    const pidOf = (entry: string) => Number(execSync(`pgrep -P ${launcher!.pid} -f ${entry}`, { encoding: 'utf8' }).trim().split('\n')[0]);
    const sales = pidOf('apps/sales/src/main.js');
    const gateway = pidOf('apps/gateway/src/main.js');
    process.kill(sales, 'SIGKILL');
    while (!output.includes('sales ready again')) {
      if (launcher!.exitCode !== null) throw new Error(`launcher exited after sales died${tail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(output).toContain(
      'sales was killed by SIGKILL: restarting it in 1 s (restart 1 of at most 5 in a row); the other services keep running',
    );
    expect(pidOf('apps/sales/src/main.js')).not.toBe(sales);
    expect(pidOf('apps/gateway/src/main.js')).toBe(gateway);
    // Served again through the gateway by the new sales process.
    const { login } = await gql<{ login: { accessToken: string } }>(
      graphql,
      'mutation { login(input:{tenant:"demo",email:"admin@demo.test",password:"rapport-demo"}) { accessToken } }',
    );
    const { contacts } = await gql<{ contacts: { totalCount: number } }>(
      graphql,
      '{ contacts(first: 1) { totalCount } }',
      login.accessToken,
    );
    expect(contacts.totalCount).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('stops everything on SIGINT and exits 0', async () => {
    expect(launcher).toBeDefined();
    launcher?.kill('SIGINT');
    const result = await within(exited, 30_000);
    if (result === 'timeout') throw new Error(`launcher still running 30 s after SIGINT${tail()}`);
    expect({ ...result, output: result.code === 0 ? '' : tail() }).toEqual({ code: 0, signal: null, output: '' });
    // Stopped in reverse start order.
    const order = ['gateway stopped', 'analytics stopped', 'sales stopped', 'identity stopped'].map((line) => output.indexOf(line));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const port of Object.values(ports)) expect(await probeTcp('127.0.0.1', port)).toBe(false);
  }, 40_000);
});
