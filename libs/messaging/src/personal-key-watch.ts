import { performance } from 'node:perf_hooks';
import type { KV, KvEntry, QueuedIterator } from 'nats';

export interface KeyWatchEvents {
  /** A change of one key, in stream order (headers only: the value is never needed). */
  entry(entry: KvEntry): void;
  /** The watch ended or (re)started: nothing learned before may be trusted. */
  reset(): void;
  /** Why the watch ended, when it failed. */
  failed?(err: unknown): void;
}

/** Wait before restarting a failed watch, doubling up to RESTART_MAX_MS while it keeps failing (e.g. the bucket is gone). */
const RESTART_MS = 500;
const RESTART_MAX_MS = 10_000;
/** How long a proof waits for the watch to reach the bucket's last sequence before giving up (the caller then asks the server). */
const CATCH_UP_MS = 2000;

/** One proof in flight: `sentAt` is when its request went out (Infinity until then). */
interface Proof {
  sentAt: number;
  result: Promise<boolean>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The watch on the data-key bucket that lets a process keep keys (ADR 076).
 * A cached key is only as good as the proof that the watch has applied every
 * purge committed up to some moment: a proof asks the server for the
 * bucket's last sequence (sent at `t`) and waits until the watch has
 * delivered up to it; then every purge acknowledged before `t`, in any
 * process, has already evicted its key here. `provenSince` is the latest
 * such `t`. When the watch ends or fails, the generation moves on, the
 * proof is void and the cache is dropped until a new watch runs.
 */
export class PersonalKeyWatch {
  /** Counts watches: what a request learned in one generation is never cached in another. */
  generation = 0;
  /** A watch is running and applying changes from a known sequence on. */
  live = false;
  /** performance.now() at which the last successful proof asked for the last sequence (-Infinity: none in this generation). */
  provenSince = Number.NEGATIVE_INFINITY;
  private seen = 0;
  private started = false;
  private closed = false;
  private iterator: QueuedIterator<KvEntry> | null = null;
  private waiters: { seq: number; generation: number; done(ok: boolean): void }[] = [];
  private proof: Proof | null = null;
  private liveWaiters: ((ok: boolean) => void)[] = [];

  constructor(
    private readonly kv: () => Promise<KV>,
    private readonly isClosed: () => boolean,
    private readonly events: KeyWatchEvents,
  ) {}

  /** Starts the watch on first use; it then restarts itself until `close`. */
  ensureStarted(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.run();
  }

  /** The generation whose cache a request sent now may fill (-1 when no watch is live). */
  get cacheGeneration(): number {
    return this.live ? this.generation : -1;
  }

  /** Whether a cached key may be used now by a caller that accepts a proof up to `maxAgeMs` old. */
  trusted(maxAgeMs: number): boolean {
    return this.live && performance.now() - this.provenSince <= maxAgeMs;
  }

  /**
   * Proves the watch caught up as of a moment at or after `after`
   * (performance.now()); false when it cannot (no live watch, the server
   * unreachable, the watch lagging more than CATCH_UP_MS). Concurrent
   * callers share one proof: one request however many keys they want.
   */
  async prove(after: number): Promise<boolean> {
    for (;;) {
      if (!this.live) return false;
      if (this.provenSince >= after) return true;
      const running = this.proof;
      // A proof whose request is not sent yet (sentAt Infinity) serves every caller so far.
      if (running && running.sentAt >= after) return running.result;
      if (running) {
        await running.result;
        continue;
      }
      const proof: Proof = { sentAt: Number.POSITIVE_INFINITY, result: Promise.resolve(false) };
      proof.result = this.proveOnce(proof).finally(() => {
        if (this.proof === proof) this.proof = null;
      });
      this.proof = proof;
    }
  }

  /** Resolves once a watch is live (false if none is within CATCH_UP_MS). */
  untilLive(): Promise<boolean> {
    this.ensureStarted();
    if (this.live) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(false), CATCH_UP_MS);
      timer.unref();
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.liveWaiters = this.liveWaiters.filter((w) => w !== finish);
        resolve(ok);
      };
      this.liveWaiters.push(finish);
    });
  }

  /** Ends the current watch as a failure would, at once (tests; it restarts by itself). */
  interrupt(): void {
    this.iterator?.stop(new Error('watch interrupted'));
    this.end();
  }

  close(): void {
    this.closed = true;
    this.iterator?.stop();
  }

  private async proveOnce(proof: Proof): Promise<boolean> {
    const generation = this.generation;
    try {
      const kv = await this.kv();
      proof.sentAt = performance.now();
      const last = (await kv.status()).streamInfo.state.last_seq;
      if (!(await this.reached(last, generation))) return false;
      if (this.generation !== generation || !this.live) return false;
      this.provenSince = Math.max(this.provenSince, proof.sentAt);
      return true;
    } catch {
      return false;
    }
  }

  private reached(seq: number, generation: number): Promise<boolean> {
    if (this.generation !== generation) return Promise.resolve(false);
    if (this.seen >= seq) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(false), CATCH_UP_MS);
      timer.unref();
      const waiter = { seq, generation, done: (ok: boolean) => finish(ok) };
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(ok);
      };
      this.waiters.push(waiter);
    });
  }

  private settle(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.generation !== this.generation || !this.live) waiter.done(false);
      else if (this.seen >= waiter.seq) waiter.done(true);
    }
  }

  private async run(): Promise<void> {
    let wait = RESTART_MS;
    while (!this.closed && !this.isClosed()) {
      try {
        const kv = await this.kv();
        // Everything after `last` is delivered by the watch; everything up to it is
        // what a request sent from now on already sees. Keys cached before are dropped.
        const last = (await kv.status()).streamInfo.state.last_seq;
        const iterator = await kv.watch({ key: '>', headers_only: true, resumeFromRevision: last + 1 });
        if (this.closed) {
          iterator.stop();
          break;
        }
        this.iterator = iterator;
        this.begin(last);
        wait = RESTART_MS;
        for await (const entry of iterator) {
          this.seen = Math.max(this.seen, entry.revision);
          this.events.entry(entry);
          this.settle();
        }
        if (!this.closed && !this.isClosed()) this.events.failed?.(new Error('the data-key watch ended'));
      } catch (err) {
        if (!this.closed && !this.isClosed()) this.events.failed?.(err);
      }
      this.end();
      if (!this.closed && !this.isClosed()) await sleep(wait);
      wait = Math.min(wait * 2, RESTART_MAX_MS);
    }
    this.end();
  }

  private begin(last: number): void {
    this.generation++;
    this.events.reset();
    this.seen = last;
    this.provenSince = Number.NEGATIVE_INFINITY;
    this.live = true;
    for (const waiter of [...this.liveWaiters]) waiter(true);
  }

  private end(): void {
    // Set first: whatever the stopped iterator still delivers is not applied as if live.
    this.iterator = null;
    if (this.live) this.generation++;
    this.live = false;
    this.provenSince = Number.NEGATIVE_INFINITY;
    this.events.reset();
    this.settle();
  }
}
