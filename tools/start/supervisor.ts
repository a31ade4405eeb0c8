/**
 * Keeping a service up under `npm start`: one that dies after it was ready
 * once is started again, alone, after a growing pause, while the others keep
 * running; one that keeps dying soon after each start is given up on (its
 * cause will not go away by itself), and the launcher then stops everything.
 * A service that dies before it was ever ready is a failed launch, not a
 * crash: that is reported at once, as before.
 */
import { ChildExited, describeExit, ManagedProcess, type ExitInfo, type SpawnOptions } from './processes';

export interface RestartPolicyOptions {
  /** Pause before the first restart; each quick crash in a row doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A run shorter than this (from start to exit) is a quick crash; a longer one starts the count again. */
  quickCrashMs: number;
  /** Restarts after quick crashes in a row before giving up. */
  maxRestarts: number;
}

export const RESTART_POLICY: RestartPolicyOptions = { baseDelayMs: 1000, maxDelayMs: 30_000, quickCrashMs: 30_000, maxRestarts: 5 };

export type RestartDecision = { giveUp: false; delayMs: number; restart: number } | { giveUp: true; crashes: number };

/** Exponential backoff over consecutive quick crashes (pure: the caller says how long the run lasted). */
export class RestartPolicy {
  private streak = 0;

  constructor(private readonly options: RestartPolicyOptions = RESTART_POLICY) {}

  next(ranMs: number): RestartDecision {
    if (ranMs >= this.options.quickCrashMs) this.streak = 0;
    this.streak += 1;
    if (this.streak > this.options.maxRestarts) return { giveUp: true, crashes: this.streak };
    const delayMs = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (this.streak - 1));
    return { giveUp: false, delayMs, restart: this.streak };
  }
}

/** A service that crashed too often in a row: the launcher stops everything and reports this. */
export class GaveUp extends Error {
  override readonly name = 'GaveUp';
  constructor(
    readonly child: string,
    readonly info: ExitInfo,
    readonly crashes: number,
    readonly quickCrashMs: number,
    readonly lastLines: string[],
  ) {
    super(`${child} ${describeExit(info)}: ${crashes} crashes in a row, each within ${quickCrashMs / 1000} s of starting; giving up on it`);
  }
}

export interface SupervisorOptions {
  spawn: Omit<SpawnOptions, 'onUnexpectedExit'>;
  policy?: RestartPolicyOptions;
  /** Resolves once the (re)started child answers as ready; rejects if it never does. */
  waitReady: (child: ManagedProcess) => Promise<void>;
  /** What the launcher says about restarts (named, with the exit and the pause). */
  say: { warn(text: string): void; ok(text: string): void };
  /** The service died before ever being ready (ChildExited), or crashed too often (GaveUp). */
  onFatal: (error: ChildExited | GaveUp) => void;
}

export class ServiceSupervisor {
  private child: ManagedProcess;
  private startedAt = Date.now();
  private everReady = false;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly policy: RestartPolicy;
  private readonly policyOptions: RestartPolicyOptions;

  constructor(private readonly options: SupervisorOptions) {
    this.policyOptions = options.policy ?? RESTART_POLICY;
    this.policy = new RestartPolicy(this.policyOptions);
    this.child = this.spawn();
  }

  /** The child running now (a restart replaces it). */
  get current(): ManagedProcess {
    return this.child;
  }

  /** Waits for the first start to be ready; from then on, crashes are restarted. */
  async firstReady(): Promise<void> {
    await this.options.waitReady(this.child);
    this.everReady = true;
  }

  /** Stops the child (SIGTERM, then SIGKILL after graceMs) and any restart still pending. */
  async stop(graceMs: number): Promise<{ info: ExitInfo; forced: boolean }> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    return this.child.stop(graceMs);
  }

  private spawn(): ManagedProcess {
    this.startedAt = Date.now();
    return ManagedProcess.spawn({ ...this.options.spawn, onUnexpectedExit: (exit) => this.exited(exit) });
  }

  private exited(exit: ChildExited): void {
    if (this.stopped) return;
    const name = this.options.spawn.name;
    if (!this.everReady) return this.options.onFatal(exit);
    const decision = this.policy.next(Date.now() - this.startedAt);
    if (decision.giveUp) {
      return this.options.onFatal(new GaveUp(name, exit.info, decision.crashes, this.policyOptions.quickCrashMs, exit.lastLines));
    }
    const pause = decision.delayMs >= 1000 ? `${decision.delayMs / 1000} s` : `${decision.delayMs} ms`;
    this.options.say.warn(
      `${name} ${describeExit(exit.info)}: restarting it in ${pause} (restart ${decision.restart} of at most ${this.policyOptions.maxRestarts} in a row); the other services keep running`,
    );
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      this.child = this.spawn();
      this.options.waitReady(this.child).then(
        () => this.options.say.ok(`${name} ready again`),
        // A restart that never gets ready is reported by its exit (and counted), or by the launcher's stop.
        () => undefined,
      );
    }, decision.delayMs);
  }
}
