import type { JsMsg } from 'nats';

/**
 * Messages the client hands to a consumer's callback, taken out in batches.
 * The client's async iterator cost several promises and microtask turns per
 * message (and, with AsyncLocalStorage in use, a promise hook each), which
 * for a consumer of every event of a busy stream was a tenth of its CPU;
 * here a message is an array push and a batch is one wait. How many can
 * queue up is bounded by the durable's max_ack_pending, as before.
 */
export class InboundMessages {
  private queue: JsMsg[] = [];
  private closed = false;
  private wake: (() => void) | null = null;
  /** How many queued messages wake the one waiting. */
  private wanted = 1;

  get size(): number {
    return this.queue.length;
  }

  push(msg: JsMsg): void {
    this.queue.push(msg);
    if (this.queue.length >= this.wanted) this.wakeUp();
  }

  /** No more messages will come; what is queued can still be taken. */
  close(): void {
    this.closed = true;
    this.wakeUp();
  }

  /**
   * The next batch in arrival order: waits for a first message, then up to
   * `lingerMs` for `size` of them; null once closed with nothing left.
   */
  async next(size: number, lingerMs: number): Promise<JsMsg[] | null> {
    await this.until(1);
    if (this.queue.length === 0) return null;
    await this.until(size, lingerMs);
    return this.queue.splice(0, size);
  }

  /** Resolves once `n` messages are queued, the queue is closed, or `ms` (if given) have passed. */
  private until(n: number, ms?: number): Promise<void> {
    if (this.queue.length >= n || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      // One timer per batch, not per message.
      const timer = ms === undefined ? undefined : setTimeout(() => this.wakeUp(), Math.max(0, ms));
      this.wanted = n;
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    this.wanted = 1;
    wake?.();
  }
}
