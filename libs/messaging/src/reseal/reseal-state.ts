import type { KV, NatsConnection } from 'nats';
import { bucketFor, type MessagingNaming } from '../naming';

/**
 * Where a reseal of one stream stands, kept in NATS next to the stream (a KV
 * bucket, one key per stream), so that a run that died anywhere is resumed
 * by the next one and a second operator cannot start another run on top.
 */
export interface ResealState {
  runId: string;
  /** The stream's first and last sequence when the run began: the originals. */
  first: number;
  last: number;
  /** How many originals there were (fewer than last − first + 1 when some were deleted). */
  messages: number;
  phase: 'copying' | 'moving' | 'purging';
  /**
   * Durable consumers: the sequence each restarts from on the copies, and its
   * settings (kept here: a run that died between deleting and re-adding one
   * must still know them). Set when the phase becomes 'moving'.
   */
  consumers?: Record<string, { start: number; config: Record<string, unknown> }>;
}

export class ResealStates {
  private kv: Promise<KV> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: MessagingNaming,
  ) {}

  get bucket(): string {
    return bucketFor(this.naming, 'RESEAL_STATE');
  }

  async get(stream: string): Promise<ResealState | null> {
    const entry = await (await this.open()).get(stream);
    return entry && entry.operation === 'PUT' ? (JSON.parse(Buffer.from(entry.value).toString('utf8')) as ResealState) : null;
  }

  /** Starts a run; refused when one is under way (another operator's, or one that died: resume it instead). */
  async begin(stream: string, state: ResealState): Promise<void> {
    await (await this.open()).create(stream, Buffer.from(JSON.stringify(state)));
  }

  async save(stream: string, state: ResealState): Promise<void> {
    await (await this.open()).put(stream, Buffer.from(JSON.stringify(state)));
  }

  async finish(stream: string): Promise<void> {
    await (await this.open()).purge(stream);
  }

  private open(): Promise<KV> {
    this.kv ??= this.nc
      .jetstream()
      .views.kv(this.bucket, { history: 1 })
      .catch((err: unknown) => {
        this.kv = null;
        throw err;
      });
    return this.kv;
  }
}
