/**
 * How long one request may still wait for something another service is
 * about to tell this one (e.g. a contact sales committed a moment ago, not
 * yet projected here). One budget per request, shared by everything the
 * request does: twenty aliased mutations naming unknown ids then wait once,
 * not twenty times over (one such request once ran 304 s).
 */
export class WaitBudget {
  private readonly deadline: number;

  constructor(
    ms: number,
    private readonly now: () => number = Date.now,
  ) {
    this.deadline = now() + ms;
  }

  /** Milliseconds left; 0 once spent. */
  remainingMs(): number {
    return Math.max(0, this.deadline - this.now());
  }

  get spent(): boolean {
    return this.remainingMs() === 0;
  }
}

/** The request's budget, started on first use (later calls in the same request share it). */
export function requestWaitBudget(context: { waitBudget?: WaitBudget }, ms: number): WaitBudget {
  context.waitBudget ??= new WaitBudget(ms);
  return context.waitBudget;
}
