import { STREAMS } from '@rapport/contracts';
import { ensureStream, parseEnvelope, subjectFor, type MessagingNaming } from '@rapport/messaging';
import { Events, type ConsumerMessages, type NatsConnection } from 'nats';
import { MAX_ACCESS_TOKEN_TTL_SECONDS, type RevocationList } from './revocation-list';

export interface FeedLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const REPLAYING = 'replaying identity changes';
const DISCONNECTED = 'NATS is disconnected';

/**
 * Keeps a RevocationList current from identity's stream, in every process
 * that verifies tokens (gateway and subgraphs alike). An ephemeral ordered
 * consumer — no durable state, no database, nothing left behind — replays
 * the identity changes of the longest token lifetime, so a process started
 * after a revocation still knows it, then follows new ones as identity's
 * outbox publishes them (milliseconds after the commit). After a broken
 * connection it resumes after the last message it saw. While it may be
 * missing changes it says so: an error log and `check()` (for health).
 */
export class RevocationFeed {
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private lastSeq = 0;
  private problem: string | null = REPLAYING;
  private caughtUpOnce!: () => void;
  /** Failures since the feed last caught up: the back-off before the next attempt. */
  private failures = 0;
  private wake: (() => void) | null = null;
  private readonly caughtUp = new Promise<void>((resolve) => (this.caughtUpOnce = resolve));

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: MessagingNaming,
    private readonly list: RevocationList,
    private readonly logger: FeedLogger,
    private readonly lookbackMs = MAX_ACCESS_TOKEN_TTL_SECONDS * 1000,
  ) {}

  /** Starts following; resolves once the replay has caught up, or after `waitMs` with an error logged. */
  async start(waitMs = 10_000): Promise<void> {
    this.watchConnection().catch((err: unknown) => this.logger.error({ err }, 'watching the NATS connection failed'));
    this.loop = this.follow();
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, waitMs, false)));
    const caughtUp = await Promise.race([this.caughtUp.then(() => true), timedOut]).finally(() => clearTimeout(timer));
    if (caughtUp) this.logger.info({ rules: this.list.size, ms: Date.now() - started }, 'revocation list caught up with identity');
    else this.logger.error({ problem: this.problem }, 'revocation list not caught up; revoked tokens are honoured until it is');
  }

  /** Throws while revocations may be missing (for readiness or health reports). */
  check(): void {
    if (this.problem) throw new Error(`revocations may be missing: ${this.problem}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    this.wake?.();
    await this.loop;
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.consume();
        if (!this.stopped) throw new Error('the consumer stopped');
      } catch (err) {
        if (this.stopped) return;
        this.setProblem(`following identity's stream failed: ${(err as Error).message}`);
        await this.backOff(Math.min(30_000, 500 * 2 ** Math.min(this.failures++, 6)));
      }
    }
  }

  private async consume(): Promise<void> {
    const stream = await ensureStream(this.nc, this.naming, STREAMS.IDENTITY);
    // One server-side filter: NATS 2.9 has no multi-subject filters (ADR 004); other identity events are skipped here.
    const consumer = await this.nc.jetstream().consumers.get(stream, {
      filterSubjects: subjectFor(this.naming, 'identity.>'),
      ...(this.lastSeq > 0
        ? { opt_start_seq: this.lastSeq + 1 }
        : { opt_start_time: new Date(Date.now() - this.lookbackMs).toISOString() }),
    });
    const messages = await consumer.consume({ max_messages: 256 });
    this.messages = messages;
    if (this.stopped) messages.stop();
    if ((await consumer.info(true)).num_pending === 0) this.markCaughtUp();
    for await (const msg of messages) {
      this.lastSeq = msg.seq;
      try {
        this.list.apply(parseEnvelope(msg.data));
      } catch (err) {
        this.logger.error({ err, subject: msg.subject, seq: msg.seq }, 'unreadable identity event skipped by the revocation list');
      }
      if (msg.info.pending === 0) this.markCaughtUp();
    }
  }

  /**
   * A lost connection means revocations made meanwhile arrive only after it
   * is back. Ends with the connection, or at the first event after stop().
   */
  private async watchConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (this.stopped) return;
      if (status.type === Events.Disconnect) this.setProblem(DISCONNECTED);
      if (status.type === Events.Reconnect && this.problem === DISCONNECTED) this.clearProblem();
    }
  }

  /** A pause that stop() cuts short, so shutdown never waits for a back-off. */
  private backOff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private markCaughtUp(): void {
    this.caughtUpOnce();
    this.failures = 0;
    // start() reports the first catch-up; later ones end a reported problem.
    if (this.problem === REPLAYING) this.problem = null;
    else if (this.problem) this.clearProblem();
  }

  private setProblem(problem: string): void {
    if (this.problem !== problem) this.logger.error({ problem }, 'revocation list may be missing revocations');
    this.problem = problem;
  }

  private clearProblem(): void {
    this.logger.info({ was: this.problem }, 'revocation list is following identity again');
    this.problem = null;
  }
}
