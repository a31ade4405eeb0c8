import type { EventEnvelope } from '@rapport/contracts';
import type { DataSource } from 'typeorm';
import { headers, type JetStreamClient, type NatsConnection } from 'nats';
import { subjectFor, type MessagingNaming } from './naming';

export interface RelayLogger {
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface OutboxRelayOptions {
  /** Events per publishing transaction (default 500). */
  batchSize?: number;
  /** Safety net: the relay also polls, in case a kick was missed (e.g. another replica wrote). */
  pollIntervalMs?: number;
  /** Published rows are kept this long for diagnosis, then deleted. */
  retentionMs?: number;
  /** Rewrites an envelope just before it is published (the service kit seals personal fields: sealPersonal, ADR 034). */
  beforePublish?: (envelope: EventEnvelope) => Promise<EventEnvelope>;
}

const DEFAULT_BATCH = 500;

/**
 * Publishes outbox rows to JetStream, oldest first, and marks them published.
 * Rows are locked with SKIP LOCKED so replicas share the work; each publish
 * carries Nats-Msg-Id = event id, so a re-send after a crash between publish
 * and commit is dropped by the stream's duplicate window. Net effect: every
 * committed event is published, none is invented, and duplicates never reach
 * consumers within the window (and consumers dedupe by inbox beyond it).
 */
export class OutboxRelay {
  private readonly js: JetStreamClient;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private rerun = false;
  private stopped = true;
  private lastPurge = 0;

  constructor(
    private readonly dataSource: DataSource,
    nc: NatsConnection,
    private readonly naming: MessagingNaming,
    private readonly logger: RelayLogger,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.js = nc.jetstream();
  }

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
      const n = await this.publishBatch();
      total += n;
      if (n < (this.options.batchSize ?? DEFAULT_BATCH)) break;
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

  private async publishBatch(): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const rows: { id: string; type: string; envelope: EventEnvelope }[] = await em.query(
        `SELECT id, type, envelope FROM outbox WHERE published_at IS NULL
         ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.options.batchSize ?? DEFAULT_BATCH],
      );
      if (rows.length === 0) return 0;
      // Pipelined on the one connection: the server stores them in the order sent, and a
      // batch costs about one round trip instead of one per event. If any publish fails the
      // transaction rolls back and the batch is sent again; the copies already stored are
      // dropped as duplicates (same Nats-Msg-Id).
      const seal = this.options.beforePublish;
      await Promise.all(
        rows.map(async (row) => {
          const h = headers();
          h.set('Rapport-Event-Type', row.type);
          const envelope = seal ? await seal(row.envelope) : row.envelope;
          return this.js.publish(subjectFor(this.naming, row.type), Buffer.from(JSON.stringify(envelope)), {
            msgID: row.id,
            headers: h,
          });
        }),
      );
      await em.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id)]);
      this.logger.debug({ count: rows.length }, 'outbox published');
      return rows.length;
    });
  }

  private async purgeOld(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    const retentionMs = this.options.retentionMs ?? 7 * 24 * 3600_000;
    await this.dataSource.query(`DELETE FROM outbox WHERE published_at < now() - ($1::bigint * interval '1 millisecond')`, [retentionMs]);
  }
}
