/**
 * Spawning and supervising the launcher's children (services, and the
 * nats-server / redis-server it starts): line-wise output, the last lines
 * kept for a failure report, an unexpected exit reported once, and a stop
 * that escalates from SIGTERM to SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export function describeExit(info: ExitInfo): string {
  if (info.error) return `could not be started (${info.error.message})`;
  if (info.signal) return `was killed by ${info.signal}`;
  return `exited with code ${info.code}`;
}

/** A child that ended on its own: the launcher stops everything and reports this. */
export class ChildExited extends Error {
  override readonly name = 'ChildExited';
  constructor(
    readonly child: string,
    readonly info: ExitInfo,
    readonly lastLines: string[],
  ) {
    super(`${child} ${describeExit(info)}`);
  }
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Each line of stdout or stderr, as it arrives. */
  onLine: (line: string) => void;
  /** Called once if the child exits without having been asked to stop. */
  onUnexpectedExit: (error: ChildExited) => void;
  /** How many recent lines to keep for the failure report. */
  keepLines?: number;
}

/** Children still running, so an abrupt launcher exit can at least signal them (see below). */
const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Children run in their own process group (detached) so Ctrl-C reaches only
  // the launcher, which then stops them in order. The price is that they would
  // outlive a launcher that dies from a bug; this last-chance hook prevents that.
  process.on('exit', () => signalAll('SIGTERM'));
}

/** Signals every child still running (also the forced stop on a second Ctrl-C). */
export function signalAll(signal: NodeJS.Signals): void {
  for (const child of live) child.signal(signal);
}

export class ManagedProcess {
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;
  private readonly recent: string[] = [];
  private stopping = false;
  private done = false;

  private constructor(private readonly options: SpawnOptions) {
    installExitHook();
    this.child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    live.add(this);
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.remember(line));
    }
    this.exited = new Promise((resolve) => {
      const finish = (info: ExitInfo) => {
        if (this.done) return;
        this.done = true;
        live.delete(this);
        resolve(info);
        if (!this.stopping) options.onUnexpectedExit(new ChildExited(options.name, info, this.lastLines()));
      };
      // 'close' (not 'exit') so the last output lines are read before anyone reports them.
      this.child.once('close', (code, signal) => finish({ code, signal }));
      this.child.once('error', (error) => finish({ code: null, signal: null, error }));
    });
  }

  static spawn(options: SpawnOptions): ManagedProcess {
    return new ManagedProcess(options);
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  lastLines(): string[] {
    return [...this.recent];
  }

  /** Sends a signal if still running (no-op otherwise). */
  signal(signal: NodeJS.Signals): void {
    if (this.done || this.child.pid === undefined) return;
    try {
      this.child.kill(signal);
    } catch {
      // Already gone between the check and the kill.
    }
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves once
   * it is gone; `forced` says whether it had to be killed.
   */
  async stop(graceMs = 15_000): Promise<{ info: ExitInfo; forced: boolean }> {
    this.stopping = true;
    if (this.done) return { info: await this.exited, forced: false };
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first !== 'timeout') return { info: first, forced: false };
    this.signal('SIGKILL');
    return { info: await this.exited, forced: true };
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > (this.options.keepLines ?? 30)) this.recent.shift();
    this.options.onLine(line);
  }
}
