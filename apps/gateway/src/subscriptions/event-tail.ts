import { STREAMS, type EventEnvelope, type StreamDefinition } from '@rapport/contracts';
import { ensureStream, parseEnvelope, subjectFor, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { DeliverPolicy, type ConsumerMessages, type NatsConnection } from 'nats';

/** The stream that carries a subject: the producing service is its first token (`service.case.>` → SERVICE). */
export function streamOf(subject: string): StreamDefinition {
  const producer = subject.split('.')[0];
  const stream = Object.values(STREAMS).find((s) => s.subjects.some((pattern) => pattern.split('.')[0] === producer));
  if (!stream) throw new Error(`no stream carries ${subject}`);
  return stream;
}

/**
 * Follows one subject of a stream from now on, in this process only: an
 * ephemeral ordered consumer, so every gateway replica sees every event and
 * nothing is shared or left behind (subscribers are connected to one replica;
 * the replica that holds the socket must see the event). After a broken
 * consumer it resumes after the last message it saw, so a short NATS outage
 * delays events instead of losing them.
 */
export class EventTail {
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private lastSeq = 0;
  private failures = 0;
  private wake: (() => void) | null = null;
  private problem: string | null = 'not started';

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: MessagingNaming,
    private readonly subject: string,
    private readonly onEvent: (event: EventEnvelope) => void,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the consumer exists: events published after that are delivered. */
  async start(): Promise<void> {
    await this.open();
    this.loop = this.follow();
  }

  /** Throws while events may be missed (for the health report). */
  check(): void {
    if (this.problem) throw new Error(`${this.subject}: ${this.problem}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    this.wake?.();
    await this.loop;
  }

  private async open(): Promise<ConsumerMessages> {
    const stream = await ensureStream(this.nc, this.naming, streamOf(this.subject));
    const consumer = await this.nc.jetstream().consumers.get(stream, {
      filterSubjects: subjectFor(this.naming, this.subject),
      ...(this.lastSeq > 0 ? { opt_start_seq: this.lastSeq + 1 } : { deliver_policy: DeliverPolicy.New }),
    });
    const messages = await consumer.consume({ max_messages: 512 });
    this.messages = messages;
    if (this.stopped) messages.stop();
    this.problem = null;
    return messages;
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      try {
        const messages = this.messages ?? (await this.open());
        for await (const msg of messages) {
          this.lastSeq = msg.seq;
          this.failures = 0;
          let event: EventEnvelope;
          try {
            event = parseEnvelope(msg.data);
          } catch (err) {
            this.logger.error({ err, subject: msg.subject, seq: msg.seq }, 'unreadable event skipped by subscriptions');
            continue;
          }
          this.onEvent(event);
        }
        this.messages = null;
        if (!this.stopped) throw new Error('the consumer stopped');
      } catch (err) {
        this.messages = null;
        if (this.stopped) return;
        this.problem = `following failed: ${(err as Error).message}`;
        this.logger.error({ subject: this.subject, problem: this.problem }, 'subscriptions may miss events until the consumer is back');
        await this.backOff(Math.min(30_000, 500 * 2 ** Math.min(this.failures++, 6)));
      }
    }
  }

  /** A pause that stop() cuts short. */
  private backOff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
