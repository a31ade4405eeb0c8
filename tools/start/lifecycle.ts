/**
 * How a run ends. Everything started registers how to stop it; stopping runs
 * those steps in reverse (gateway first, the infrastructure the launcher
 * started last), one at a time, and a failing step never skips the rest.
 */

/** Ctrl-C or SIGTERM: a normal end (exit code 0). */
export class StopRequested extends Error {
  override readonly name = 'StopRequested';
  constructor(readonly signal: NodeJS.Signals) {
    super(`received ${signal}`);
  }
}

/** A problem the user can fix; its message says how, so no stack is printed. */
export class LaunchError extends Error {
  override readonly name = 'LaunchError';
}

interface Step {
  label: string;
  run: () => Promise<void>;
}

export class CleanupStack {
  private readonly steps: Step[] = [];

  push(label: string, run: () => Promise<void>): void {
    this.steps.push({ label, run });
  }

  get size(): number {
    return this.steps.length;
  }

  /** Runs every step, last registered first; returns the labels of the steps that failed. */
  async runAll(onError: (label: string, error: unknown) => void): Promise<string[]> {
    const failed: string[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        failed.push(step.label);
        onError(step.label, error);
      }
    }
    return failed;
  }
}

/** Resolves when the signal aborts (never rejects): "run until told to stop or something dies". */
export function untilAborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}
