/**
 * Postgres, NATS and Redis for `npm start`: use each where it answers; start
 * it on this machine where it does not (embedded Postgres, nats-server and
 * redis-server from PATH); otherwise stop with a message that says what to
 * install or which variable to set. Whatever is started here is registered
 * for stopping, after the services.
 */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connect } from 'nats';
import { missingBinaryMessage, jetStreamMissingMessage, remoteUnreachableMessage } from './install-hints';
import { LaunchError, type CleanupStack } from './lifecycle';
import { isNoteworthyServerLine } from './log-format';
import { probeTcp, waitFor, WaitTimeout } from './network';
import type { Printer } from './output';
import { findExecutable } from './path-lookup';
import { redactUrl, type Endpoint, type InfraPlan } from './plan';
import { ensureDatabase, startEmbeddedPostgres } from './postgres';
import { ManagedProcess, type ChildExited } from './processes';

export interface InfraContext {
  plan: InfraPlan;
  projectRoot: string;
  /** .rapport/ in the project: data of what the launcher starts, kept between starts. */
  stateDir: string;
  printer: Printer;
  cleanup: CleanupStack;
  signal: AbortSignal;
  /** A server the launcher started went away. */
  onCrash: (error: ChildExited) => void;
}

/** Prepares all three at once (independent, and the embedded Postgres takes a few seconds). */
export async function prepareInfrastructure(ctx: InfraContext): Promise<void> {
  const results = await Promise.allSettled([preparePostgres(ctx), prepareServer(ctx, ctx.plan.nats), prepareServer(ctx, ctx.plan.redis)]);
  ctx.signal.throwIfAborted();
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (errors.length === 0) return;
  // Several things missing at once: say all of it, so one attempt fixes everything.
  if (errors.every((e) => e instanceof LaunchError)) throw new LaunchError(errors.map((e) => (e as Error).message).join('\n'));
  throw errors.find((e) => !(e instanceof LaunchError));
}

function shown(ctx: InfraContext, path: string): string {
  return relative(ctx.projectRoot, path) || path;
}

async function preparePostgres(ctx: InfraContext): Promise<void> {
  const target = ctx.plan.postgres;
  const where = `${target.host}:${target.port}`;
  let origin = `answers at ${where}`;
  if (!(await probeTcp(target.host, target.port))) {
    if (!target.local) throw new LaunchError(remoteUnreachableMessage(target));
    const dataDir = join(ctx.stateDir, 'postgres');
    ctx.printer.note(`Postgres does not answer at ${where}: starting the embedded Postgres (data in ${shown(ctx, dataDir)})…`);
    const run = await startEmbeddedPostgres(target, {
      dataDir,
      onLine: (line) => {
        if (isNoteworthyServerLine('postgres', line)) ctx.printer.rawLine('postgres', line);
      },
    });
    ctx.cleanup.push('embedded Postgres', async () => {
      await run.stop();
      ctx.printer.note('embedded Postgres stopped');
    });
    origin = `embedded, started on ${where} (${run.fresh ? 'new data directory' : 'existing data'} in ${shown(ctx, dataDir)})`;
  }
  const database = await ensureDatabase(target);
  ctx.printer.ok(`Postgres ${origin}; database "${target.database}" ${database === 'created' ? 'created' : 'present'}`);
}

const SERVERS = {
  nats: {
    label: 'NATS',
    binary: 'nats-server',
    args: (port: number, dir: string) => ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir],
  },
  redis: {
    label: 'Redis',
    binary: 'redis-server',
    // A development cache and queue: no snapshots or append-only file to clean up.
    args: (port: number, dir: string) => ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no'],
  },
} as const;

async function prepareServer(ctx: InfraContext, target: Endpoint): Promise<void> {
  if (target.kind === 'postgres') throw new Error('Postgres is prepared by preparePostgres');
  const kind = target.kind;
  const server = SERVERS[kind];
  if (await probeTcp(target.host, target.port)) {
    if (kind === 'nats') await checkJetStream(target);
    ctx.printer.ok(`${server.label} answers at ${target.host}:${target.port}`);
    return;
  }
  if (!target.local) throw new LaunchError(remoteUnreachableMessage(target));
  const binary = findExecutable(server.binary);
  if (!binary) throw new LaunchError(missingBinaryMessage({ ...target, kind }));

  const dir = join(ctx.stateDir, kind);
  mkdirSync(dir, { recursive: true });
  ctx.printer.note(`${server.label} does not answer at ${target.host}:${target.port}: starting ${binary} (data in ${shown(ctx, dir)})…`);
  const child = ManagedProcess.spawn({
    name: server.binary,
    command: binary,
    args: server.args(target.port, dir),
    env: process.env,
    cwd: ctx.projectRoot,
    onLine: (line) => {
      if (isNoteworthyServerLine(kind, line)) ctx.printer.rawLine(kind, line);
    },
    onUnexpectedExit: ctx.onCrash,
  });
  ctx.cleanup.push(server.binary, async () => {
    const { forced } = await child.stop(10_000);
    ctx.printer.note(`${server.binary} ${forced ? 'killed (did not stop within 10 s)' : 'stopped'}`);
  });
  try {
    // It binds 127.0.0.1; probing there avoids "localhost" resolving to ::1 first.
    await waitFor(() => probeTcp('127.0.0.1', target.port), {
      timeoutMs: 15_000,
      intervalMs: 100,
      signal: ctx.signal,
      what: `${server.binary} answering on port ${target.port}`,
    });
  } catch (error) {
    if (!(error instanceof WaitTimeout)) throw error;
    throw new LaunchError(
      `${error.message}. Its last output:\n${child
        .lastLines()
        .map((l) => `    ${l}`)
        .join('\n')}`,
    );
  }
  ctx.printer.ok(`${server.label} started on 127.0.0.1:${target.port} (pid ${child.pid})`);
}

/** The services need JetStream (streams, durable consumers); a NATS without it fails them later and less clearly. */
async function checkJetStream(target: Endpoint): Promise<void> {
  let nc;
  try {
    nc = await connect({ servers: target.url, timeout: 3000, reconnect: false });
  } catch (error) {
    throw new LaunchError(
      `NATS answers at ${redactUrl(target.url)} but the connection failed: ${(error as Error).message}. Check NATS_URL.`,
    );
  }
  try {
    await nc.jetstreamManager();
  } catch {
    throw new LaunchError(jetStreamMissingMessage(target));
  } finally {
    await nc.close().catch(() => undefined);
  }
}
