import type { EventEnvelope } from '@rapport/contracts';
import type { DataSource } from 'typeorm';
import type { NatsConnection } from 'nats';
import { subjectFor, type MessagingNaming } from './naming';
import type { EventFlowCounters } from './flow-counters';
import { PACKED_OUTBOX_TYPE, type OutboxExpander } from './outbox';
import { publishAll } from './publish-all';
import { messageHeaders, publishedEnvelope } from './trace-context';

export interface RelayLogger {
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface OutboxRelayOptions {
  /** Single-event rows per publishing transaction (default 500; a packed row is a transaction of its own). */
  batchSize?: number;
  /** Safety net: the relay also polls, in case a kick was missed (e.g. another replica wrote). */
  pollIntervalMs?: number;
  /** Published rows are kept this long for diagnosis, then deleted. */
  retentionMs?: number;
  /** Rewrites an envelope just before it is published (the service kit seals personal fields: sealPersonal, ADR 034). */
  beforePublish?: (envelope: EventEnvelope) => Promise<EventEnvelope>;
  /** Where published events are counted (the service kit passes its registry's eventFlowCounters). */
  counters?: EventFlowCounters;
  /** Compact row types of this producer and how each becomes its envelopes (published like a packed row's). */
  expanders?: Readonly<Record<string, OutboxExpander>>;
}

const DEFAULT_BATCH = 500;

/**
 * Publishes outbox rows to JetStream, oldest first, and marks them published
 * (a packed row: each of its envelopes, in order, as its own message; a
 * compact row of a type in `expanders`: each envelope it expands to).
 * Rows are locked with SKIP LOCKED so replicas share the work; each publish
 * carries Nats-Msg-Id = event id, so a re-send after a crash between publish
 * and commit is dropped by the stream's duplicate window. Net effect: every
 * committed event is published, none is invented, and duplicates never reach
 * consumers within the window (and consumers dedupe by inbox beyond it).
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private rerun = false;
  private stopped = true;
  private lastPurge = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly nc: NatsConnection,
    private readonly naming: MessagingNaming,
    private readonly logger: RelayLogger,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
    this.timer = setInterval(() => this.kick(), this.options.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Asks for a drain soon; called right after a transaction that wrote events commits. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = this.drainLoop().finally(() => {
      this.running = null;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Publishes everything pending; returns how many events were published. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const { published, more } = await this.publishBatch();
      total += published;
      if (!more) break;
    }
    await this.purgeOld();
    return total;
  }

  private async drainLoop(): Promise<void> {
    do {
      this.rerun = false;
      try {
        await this.drain();
      } catch (err) {
        this.logger.error({ err }, 'outbox relay failed; will retry');
        return;
      }
    } while (this.rerun && !this.stopped);
  }

  /**
   * One publishing transaction: the oldest unpublished rows, either a run of
   * single-event rows (up to the batch size) or one packed row (its
   * envelopes, PACKED_OUTBOX_TYPE) or compact row (expanded) — so a batch never holds more than a
   * batch or a pack of events, and rows go out in order. Rows locked but not
   * taken are released at commit for the next batch.
   */
  private async publishBatch(): Promise<{ published: number; more: boolean }> {
    const limit = this.options.batchSize ?? DEFAULT_BATCH;
    const expanders = this.options.expanders ?? {};
    const manyTypes = [PACKED_OUTBOX_TYPE, ...Object.keys(expanders)];
    const batch = await this.dataSource.transaction(async (em) => {
      // A pack's envelopes (up to OUTBOX_PACK) are only read when it is the batch.
      const rows: { id: string; type: string; envelope: EventEnvelope | null }[] = await em.query(
        `SELECT id, type, CASE WHEN type = ANY($2) THEN NULL ELSE envelope END AS envelope FROM outbox WHERE published_at IS NULL
         ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit, manyTypes],
      );
      if (rows.length === 0) return { types: [] as string[], more: false };
      let envelopes: EventEnvelope[];
      let taken: string[];
      if (manyTypes.includes(rows[0].type)) {
        const [pack]: { envelope: unknown }[] = await em.query(`SELECT envelope FROM outbox WHERE id = $1`, [rows[0].id]);
        const expand = expanders[rows[0].type];
        envelopes = expand ? expand({ id: rows[0].id, envelope: pack.envelope }) : (pack.envelope as EventEnvelope[]);
        taken = [rows[0].id];
      } else {
        const packAt = rows.findIndex((r) => manyTypes.includes(r.type));
        const singles = packAt === -1 ? rows : rows.slice(0, packAt);
        envelopes = singles.map((r) => r.envelope as EventEnvelope);
        taken = singles.map((r) => r.id);
      }
      // Pipelined on the one connection: the server stores them in the order sent, and a
      // batch costs about one round trip instead of one per event. If any publish fails the
      // transaction rolls back and the batch is sent again; the copies already stored are
      // dropped as duplicates (same Nats-Msg-Id = event id, also for a pack's envelopes).
      const seal = this.options.beforePublish;
      // Sealed first, all of them, then sent in one go: sealing waits for keys, and an event that
      // needs none must not overtake one that does (a resync's closing marker, ADR 053, relies on it).
      const outgoing = await Promise.all(
        envelopes.map(async (stored) => {
          // The writer's trace context travels as message headers, not in the published envelope.
          const { envelope: original, trace } = publishedEnvelope(stored);
          return { original, trace, envelope: seal ? await seal(original) : original };
        }),
      );
      // One reply subscription for the batch rather than one request per event (publishAll, ADR 063).
      await publishAll(
        this.nc,
        outgoing.map(({ original, trace, envelope }) => ({
          subject: subjectFor(this.naming, original.type),
          data: Buffer.from(JSON.stringify(envelope)),
          headers: messageHeaders(original.type, trace, original.id),
        })),
      );
      await em.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])`, [taken]);
      this.logger.debug({ count: envelopes.length, rows: taken.length }, 'outbox published');
      return { types: envelopes.map((e) => e.type), more: rows.length === limit || taken.length < rows.length };
    });
    // Counted once committed: a batch rolled back is sent again, and its copies are dropped as duplicates.
    const counters = this.options.counters;
    if (counters) for (const type of batch.types) counters.published.inc({ type });
    return { published: batch.types.length, more: batch.more };
  }

  private async purgeOld(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    const retentionMs = this.options.retentionMs ?? 7 * 24 * 3600_000;
    await this.dataSource.query(`DELETE FROM outbox WHERE published_at < now() - ($1::bigint * interval '1 millisecond')`, [retentionMs]);
  }
}
