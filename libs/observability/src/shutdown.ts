import type { HealthRegistry } from './health';
import type { Logger } from './logger';
import { flushTelemetry } from './telemetry-flush';

export interface ShutdownOptions {
  health: HealthRegistry;
  logger: Logger;
  /**
   * After the first signal the process stays up, serving, but answers 503 on
   * /health/ready, so load balancers and the gateway's probes stop sending it
   * traffic before it stops taking any (SHUTDOWN_GRACE_MS).
   */
  graceMs: number;
  /**
   * Longest the close may take after the grace period (SHUTDOWN_TIMEOUT_MS).
   * A dependency that never answers (Redis gone, NATS drain stuck, Postgres
   * frozen) must not keep the process alive past its orchestrator's patience:
   * past this it exits 1, naming what it was waiting for.
   */
  timeoutMs: number;
  /** Drains and closes everything (Nest's app.close(), the gateway's close()). */
  close: () => Promise<void>;
  /** process.exit, replaceable where a test drives the sequence in-process. */
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}

export interface Shutdown {
  /** Starts the sequence (what a signal does); a second call ends the grace period at once. */
  begin(reason: string): void;
  /** Resolves with the exit code once the sequence has ended. */
  readonly done: Promise<number>;
  /** Stops listening for signals (a process that closes without one, e.g. a service started in a test). */
  dispose(): void;
}

/**
 * The one shutdown sequence of every Rapport process: unready → grace
 * (still serving) → close, under a watchdog. A second SIGTERM/SIGINT during
 * the grace period skips the rest of it (Ctrl-C twice, or an impatient
 * operator); the close itself is never skipped, only bounded.
 */
export function shutdownOnSignals(options: ShutdownOptions): Shutdown {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const { logger } = options;
  let endGrace: (() => void) | null = null;
  let started = false;
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let phase = 'grace period';

  const end = (code: number) => {
    finish(code);
    exit(code);
  };

  const run = async (reason: string) => {
    options.health.markDraining();
    logger.info({ reason, graceMs: options.graceMs }, 'shutting down: unready, still serving during the grace period');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.graceMs);
      endGrace = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    endGrace = null;
    phase = 'closing';
    // Deliberately not unref'd: this timer is what guarantees the process ends.
    const watchdog = setTimeout(() => {
      logger.error({ timeoutMs: options.timeoutMs, phase }, 'shutdown did not finish within SHUTDOWN_TIMEOUT_MS; exiting anyway');
      end(1);
    }, options.timeoutMs);
    try {
      await options.close();
      // Last, so the spans of the close itself are exported too; bounded by the same watchdog.
      await flushTelemetry();
      clearTimeout(watchdog);
      logger.info('shut down');
      end(0);
    } catch (err) {
      clearTimeout(watchdog);
      logger.error({ err }, 'shutdown failed');
      end(1);
    }
  };

  const begin = (reason: string) => {
    if (started) {
      if (endGrace) {
        logger.info({ reason }, 'second signal: ending the grace period now');
        endGrace();
      }
      return;
    }
    started = true;
    void run(reason);
  };
  const signals = options.signals ?? (['SIGTERM', 'SIGINT'] as NodeJS.Signals[]);
  const listeners = signals.map((signal) => [signal, () => begin(signal)] as const);
  for (const [signal, listener] of listeners) process.on(signal, listener);
  return {
    begin,
    done,
    dispose: () => {
      for (const [signal, listener] of listeners) process.off(signal, listener);
    },
  };
}
