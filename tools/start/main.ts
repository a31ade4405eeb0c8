/**
 * `npm start`: one command from a clone to a running Rapport. Makes sure
 * Postgres, NATS and Redis are there (starting local ones when they are not),
 * starts the services one after another, each once the previous is ready,
 * prints where to go, restarts a service that dies (supervisor.ts), and on
 * Ctrl-C stops everything in reverse order.
 *
 * Runs compiled, as dist/tools/start/main.js, next to the services it starts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startDevMailbox, startDevProvider } from '@rapport/channels';
import { banner } from './banner';
import { prepareInfrastructure } from './infrastructure';
import { CleanupStack, LaunchError, StopRequested, untilAborted } from './lifecycle';
import { httpGet, probeTcp, waitFor, WaitTimeout, type HttpAnswer } from './network';
import { LAUNCHER_NAME, Printer, wantsColor } from './output';
import { PlanError, planInfrastructure, planServices, publicGraphqlUrl, type PlannedService } from './plan';
import { ChildExited, describeExit, signalAll, type ManagedProcess } from './processes';
import { GaveUp, ServiceSupervisor } from './supervisor';
import { DEMO, demoPassword, inboundEmailDomain, inboundSmtpPort, SERVICES } from './services';

/** dist/tools/start → dist */
const DIST_DIR = resolve(__dirname, '..', '..');
const PROJECT_ROOT = resolve(DIST_DIR, '..');
const STATE_DIR = join(PROJECT_ROOT, '.rapport');

/** Generous: the first start runs every migration. */
const READY_TIMEOUT_MS = 120_000;
// A profiled service writes its CPU profile only when it exits by itself; a loaded machine needs longer than 15 s for that.
const STOP_GRACE_MS = process.env.RAPPORT_CPU_PROFILE_DIR ? 120_000 : 15_000;

interface Run {
  printer: Printer;
  cleanup: CleanupStack;
  controller: AbortController;
}

async function main(): Promise<number> {
  const names = [LAUNCHER_NAME, 'postgres', 'nats', 'redis', ...SERVICES.map((s) => s.name)];
  const printer = new Printer(process.stdout, wantsColor(process.stdout, process.env), Math.max(...names.map((n) => n.length)));
  SERVICES.forEach((s, i) => printer.register(s.name, i));
  const run: Run = { printer, cleanup: new CleanupStack(), controller: new AbortController() };
  listenForSignals(run);

  let failure: unknown;
  try {
    await startEverything(run);
    await untilAborted(run.controller.signal);
  } catch (error) {
    failure = error;
  }
  // Once aborted, the abort reason is the real story (a step interrupted by it rethrows the same reason).
  const reason = run.controller.signal.aborted ? run.controller.signal.reason : failure;
  const code = reason instanceof StopRequested ? 0 : 1;
  if (code !== 0) reportFailure(printer, reason);

  await run.cleanup.runAll((label, error) =>
    printer.warn(`stopping ${label} failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  printer.note(code === 0 ? 'stopped.' : 'stopped after a failure (see above).');
  return code;
}

/**
 * One Ctrl-C can arrive twice: from the terminal (to the whole foreground
 * process group) and forwarded by a parent (npm forwards SIGINT/SIGTERM to
 * its script). Repeats this close to the first are that echo, not a second press.
 */
const SIGNAL_ECHO_MS = 1000;

function listenForSignals(run: Run): void {
  let firstAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!run.controller.signal.aborted) {
      firstAt = Date.now();
      // Said at once: a step in progress (e.g. Postgres starting) finishes before the stopping begins.
      run.printer.note(`${signal} received: stopping everything (Ctrl-C again to force)…`);
      run.controller.abort(new StopRequested(signal));
      return;
    }
    if (Date.now() - firstAt < SIGNAL_ECHO_MS) return;
    // A second Ctrl-C while stopping: the user wants out now.
    run.printer.warn(`${signal} again: killing everything the launcher started`);
    signalAll('SIGKILL');
    process.exit(130);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

async function startEverything(run: Run): Promise<void> {
  const { printer, controller } = run;
  const signal = controller.signal;
  const started = Date.now();
  const infra = planInfrastructure(process.env);
  const services = planServices(SERVICES, process.env, infra);
  printer.note('starting Rapport (Ctrl-C stops everything)');
  // The gateway signs each subgraph call with it (who the caller is); one per run unless given, inherited by every child.
  process.env.GATEWAY_SECRET ||= randomBytes(32).toString('base64url');

  checkBuilt(services);
  await checkPortsFree(services);
  await prepareInfrastructure({
    plan: infra,
    projectRoot: PROJECT_ROOT,
    stateDir: STATE_DIR,
    printer,
    cleanup: run.cleanup,
    signal,
    onCrash: (error) => controller.abort(error),
  });

  await startLocalMailbox(run);
  const devProviders = await startLocalProviders(run);
  for (const service of services) {
    signal.throwIfAborted();
    await startService(run, service);
  }

  const gateway = services[services.length - 1];
  printer.ok(`all services ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  printer.block(
    banner({
      graphqlUrl: publicGraphqlUrl(gateway),
      tenant: DEMO.tenant,
      email: DEMO.email,
      password: demoPassword(process.env),
      services: services.map((s) => ({ name: s.entry.name, url: s.url })),
      devEndpoints: [
        {
          label: 'Support email',
          value: `${DEMO.tenant}@${inboundEmailDomain(process.env)} at smtp://127.0.0.1:${inboundSmtpPort(process.env)} (mail to it opens a case)`,
        },
        { label: 'Dev mailbox', value: `${join(STATE_DIR, 'mail')} (every email the platform sends)` },
        ...(devProviders ? [{ label: 'Dev SMS and push', value: `${devProviders} (every SMS and push message, as JSON)` }] : []),
      ],
      color: printer.color,
    }),
  );
}

/**
 * Marketing, identity and service send email; a service without a mail server
 * configured (MARKETING_SMTP_URL, IDENTITY_SMTP_URL, SERVICE_SMTP_URL) gets a
 * local one that keeps every message as an .eml file in .rapport/mail, so
 * campaigns, journeys, double opt-in, invitations, password resets and the
 * service desk's acknowledgements work out of the box.
 */
async function startLocalMailbox(run: Run): Promise<void> {
  if (process.env.MARKETING_SMTP_URL && process.env.IDENTITY_SMTP_URL && process.env.SERVICE_SMTP_URL) return;
  const dir = join(STATE_DIR, 'mail');
  const mailbox = await startDevMailbox({ dir });
  run.cleanup.push('dev mailbox', () => mailbox.close());
  if (!process.env.MARKETING_SMTP_URL) {
    process.env.MARKETING_SMTP_URL = mailbox.url;
    process.env.MARKETING_EMAIL_FROM ||= 'Rapport <marketing@rapport.test>';
  }
  if (!process.env.IDENTITY_SMTP_URL) {
    process.env.IDENTITY_SMTP_URL = mailbox.url;
    process.env.IDENTITY_EMAIL_FROM ||= 'Rapport <no-reply@rapport.test>';
  }
  if (!process.env.SERVICE_SMTP_URL) {
    process.env.SERVICE_SMTP_URL = mailbox.url;
    process.env.SERVICE_EMAIL_FROM ||= 'Rapport Support <support@rapport.test>';
  }
  run.printer.ok(`dev mailbox at ${mailbox.url}: outgoing mail is saved in ${dir}`);
}

/**
 * Marketing sends SMS and push through HTTP providers; without one configured
 * (MARKETING_SMS_PROVIDER_URL, MARKETING_PUSH_PROVIDER_URL) it gets a local
 * one that keeps each message as a JSON file in .rapport/sms or .rapport/push,
 * so SMS and push campaigns and journeys work out of the box, as email does.
 */
async function startLocalProviders(run: Run): Promise<string | null> {
  if (process.env.MARKETING_SMS_PROVIDER_URL && process.env.MARKETING_PUSH_PROVIDER_URL) return null;
  const provider = await startDevProvider({ dir: STATE_DIR });
  run.cleanup.push('dev SMS and push provider', () => provider.close());
  if (!process.env.MARKETING_SMS_PROVIDER_URL && !process.env.MARKETING_PUSH_PROVIDER_URL) {
    // The dev provider takes any key; marketing refuses provider URLs without one.
    process.env.MARKETING_PROVIDER_API_KEY ||= 'dev';
  }
  process.env.MARKETING_SMS_PROVIDER_URL ||= provider.smsUrl;
  process.env.MARKETING_PUSH_PROVIDER_URL ||= provider.pushUrl;
  const where = `${join(STATE_DIR, 'sms')} and ${join(STATE_DIR, 'push')}`;
  run.printer.ok(`dev SMS and push provider at http://127.0.0.1:${provider.port}: messages are saved in ${where}`);
  return where;
}

function checkBuilt(services: PlannedService[]): void {
  const missing = services.filter((s) => !existsSync(join(DIST_DIR, s.entry.entry)));
  if (missing.length > 0) {
    throw new LaunchError(
      `not built: ${missing.map((s) => `dist/${s.entry.entry}`).join(', ')}. Run \`npm run build\` (\`npm start\` does it first).`,
    );
  }
}

/** A port already taken would make a service die with EADDRINUSE after its migrations; say it up front. */
async function checkPortsFree(services: PlannedService[]): Promise<void> {
  const taken = (await Promise.all(services.map(async (s) => ((await probeTcp('127.0.0.1', s.port, 500)) ? s : undefined)))).filter(
    (s) => s !== undefined,
  );
  const problems = taken.map(
    (s) =>
      `port ${s.port} (${s.entry.name}) is already in use — is Rapport already running? Stop it, or set ${s.entry.portVariable} to a free port.`,
  );
  // The service's inbound SMTP endpoint listens on a port of its own.
  const smtpPort = Number(inboundSmtpPort(process.env));
  if (smtpPort > 0 && (await probeTcp('127.0.0.1', smtpPort, 500)))
    problems.push(
      `port ${smtpPort} (service's inbound SMTP) is already in use — stop what uses it, or set SERVICE_INBOUND_SMTP_PORT to a free port.`,
    );
  if (problems.length > 0) throw new LaunchError(problems.join('\n'));
}

function cpuProfileArgs(): string[] {
  const dir = process.env.RAPPORT_CPU_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

async function startService(run: Run, service: PlannedService): Promise<void> {
  const { printer, controller } = run;
  const name = service.entry.name;
  const started = Date.now();
  printer.note(`starting ${name} on port ${service.port}…`);
  let last: HttpAnswer | undefined;
  const supervisor = new ServiceSupervisor({
    spawn: {
      name,
      command: process.execPath,
      // RAPPORT_CPU_PROFILE_DIR: each service writes a V8 CPU profile there when it exits (profiling a benchmark).
      args: [...cpuProfileArgs(), join(DIST_DIR, service.entry.entry)],
      // Children inherit the launcher's environment (isolation variables, LOG_LEVEL, …) plus their planned settings.
      env: { ...process.env, ...service.env },
      cwd: PROJECT_ROOT,
      onLine: (line) => printer.childLine(name, line),
    },
    waitReady: (child) =>
      waitFor(
        async () => {
          last = await httpGet(service.readyUrl);
          return last?.status === 200;
        },
        // A restarted child that dies again stops this wait: its exit is what gets reported.
        { timeoutMs: READY_TIMEOUT_MS, intervalMs: 300, signal: anyOf(controller.signal, child), what: `${name} becoming ready` },
      ),
    say: printer,
    // Died before it was ever ready (a failed launch), or crashed too often in a row: stop everything.
    onFatal: (error) => controller.abort(error),
  });
  run.cleanup.push(name, async () => {
    const { info, forced } = await supervisor.stop(STOP_GRACE_MS);
    if (forced) printer.warn(`${name} did not stop within ${STOP_GRACE_MS / 1000} s: killed`);
    else printer.note(`${name} stopped${info.code ? ` (exit code ${info.code})` : ''}`);
  });

  try {
    await supervisor.firstReady();
  } catch (error) {
    if (!(error instanceof WaitTimeout)) throw error;
    const answer = last ? `${last.status} ${last.body}` : 'no answer';
    const lines = supervisor.current
      .lastLines()
      .slice(-15)
      .map((l) => `    ${l}`);
    throw new LaunchError(`${error.message}; GET ${service.readyUrl} → ${answer}\nIts last log lines:\n${lines.join('\n')}`);
  }
  printer.ok(`${name} ready at ${service.url} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Aborts when the launcher stops or when this child exits, whichever comes first. */
function anyOf(signal: AbortSignal, child: ManagedProcess): AbortSignal {
  const exited = new AbortController();
  void child.exited.then((info) => exited.abort(new Error(`${child.name} ${describeExit(info)}`)));
  return AbortSignal.any([signal, exited.signal]);
}

function reportFailure(printer: Printer, reason: unknown): void {
  if (reason instanceof GaveUp) {
    printer.fail(`${reason.message}: stopping everything. Its last log lines:`);
    for (const line of reason.lastLines.slice(-15)) printer.childLine(reason.child, line);
  } else if (reason instanceof ChildExited) {
    printer.fail(`${reason.child} ${describeExit(reason.info)}: stopping everything. Its last log lines:`);
    const service = SERVICES.some((s) => s.name === reason.child);
    for (const line of reason.lastLines.slice(-15)) {
      if (service) printer.childLine(reason.child, line);
      else printer.rawLine(LAUNCHER_NAME, `    ${line}`);
    }
  } else if (reason instanceof LaunchError || reason instanceof PlanError) {
    printer.fail(reason.message);
  } else {
    printer.fail(`unexpected error: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
