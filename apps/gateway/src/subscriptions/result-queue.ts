/**
 * The undelivered results of one connection, shared by its subscriptions: a
 * client that does not read its socket stops graphql-ws from sending (it
 * waits for each write), so results pile up here. Past `capacity` the
 * connection is closed (`onOverflow`, once) instead of buffering without end.
 */
export class ConnectionBudget {
  private pending = 0;
  private overflowed = false;

  constructor(
    readonly capacity: number,
    private readonly onOverflow: () => void,
  ) {}

  get size(): number {
    return this.pending;
  }

  /** Room for one more result; false (and the connection closed) when there is none. */
  take(): boolean {
    if (this.overflowed) return false;
    if (this.pending >= this.capacity) {
      this.overflowed = true;
      this.onOverflow();
      return false;
    }
    this.pending++;
    return true;
  }

  give(): void {
    this.pending = Math.max(0, this.pending - 1);
  }
}

/**
 * One subscription's results in event order, as the async iterator graphql-ws
 * pulls from. Each result is pushed as a promise the moment its event arrives
 * (the query answering it already running), so resolving is concurrent and
 * order is kept; a result that resolves to null (the event turned out not to
 * concern the subscriber) is skipped.
 */
export class ResultQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: Promise<T | null>[] = [];
  private wake: (() => void) | null = null;
  private ended = false;

  constructor(
    private readonly budget: ConnectionBudget,
    private readonly onEnd: () => void = () => undefined,
  ) {}

  /** Queues a result; false when the queue has ended or the connection's budget is spent. */
  push(result: Promise<T | null>): boolean {
    if (this.ended || !this.budget.take()) return false;
    this.items.push(result);
    this.wake?.();
    return true;
  }

  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.ended) return { done: true, value: undefined };
      const item = this.items.shift();
      if (!item) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      let value: T | null;
      try {
        value = await item;
      } finally {
        this.budget.give();
      }
      if (value !== null && !this.ended) return { done: false, value };
    }
  }

  async return(): Promise<IteratorResult<T>> {
    this.end();
    return { done: true, value: undefined };
  }

  async throw(error: unknown): Promise<IteratorResult<T>> {
    this.end();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends the iteration (the client completed, or the connection closed) and frees what was still queued. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (let i = 0; i < this.items.length; i++) this.budget.give();
    this.items.length = 0;
    this.wake?.();
    this.onEnd();
  }
}
