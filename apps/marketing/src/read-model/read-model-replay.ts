import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { conflict, requireRole, type Principal } from '@rapport/auth';
import { STREAMS, type EventEnvelope } from '@rapport/contracts';
import {
  closesResync,
  openPersonal,
  parseEnvelope,
  PersonalKeys,
  requestResync,
  streamFor,
  subjectMatches,
  type MessagingNaming,
} from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from '@rapport/persistence';
import { JobQueues, LOGGER, MESSAGING_NAMING, NATS_CONNECTION, ServiceDatabase, validate } from '@rapport/service-kit';
import type { Job, Queue } from 'bullmq';
import type { NatsConnection } from 'nats';
import { v7 as uuidv7 } from 'uuid';
import { lockReadModel } from './read-model-lock';
import { READ_MODEL_EVENTS, ReadModelProjector } from './read-model-projector';
import { refreshAggregates } from './survivors';

export const REPLAY_QUEUE = 'marketing-replays';
const STATE_STREAMS = ['SALES', 'SERVICE', 'ANALYTICS'] as const;
type StateStream = (typeof STATE_STREAMS)[number];
/**
 * The owners that republish their live records on request, and which
 * (ADR 053): their streams are read up to the resync's closing marker, so
 * what retention dropped comes back as current state. The others are read
 * as far as they reach back.
 */
const RESYNCED: Partial<Record<StateStream, { service: string; recordTypes: string[] }>> = {
  SALES: { service: 'sales', recordTypes: ['contact'] },
  SERVICE: { service: 'service', recordTypes: ['case'] },
};
/** How long a replay waits for a resync's marker to reach the stream before it gives up. */
const RESYNC_WAIT_MS = 10 * 60_000;
/** Events applied per transaction while replaying. */
const CHUNK = 500;

export interface ReplayView {
  id: string;
  status: 'RUNNING' | 'DONE' | 'FAILED';
  eventsApplied: number;
  failure: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

/** Where a stream's replay stops: its last sequence when the replay started, or the marker of the resync asked of its owner. */
type ReplayEnd = { lastSeq: number } | { service: string; resyncId: string };

interface ReplayJob {
  tenantId: string;
  replayId: string;
}

/**
 * Rebuilds a tenant's read model from the streams: the projected rows are
 * dropped, the owners that can are asked to republish their tenant's live
 * records (a resync, ADR 053: streams keep messages for NATS_STREAM_MAX_AGE
 * only), and every retained SALES, SERVICE and ANALYTICS event of the tenant
 * is applied again, in order, up to the resync's closing marker (or the
 * stream's current end), by the same projector the live consumers use (no
 * inbox, no journeys: a replay restores state, it does not re-trigger
 * anything). The live consumers go
 * on meanwhile; both keep the newest fact, so they converge. Marketing's
 * own records (consent, campaigns, journeys, journey-set attributes) are
 * not touched.
 */
@Injectable()
export class ReadModelReplay implements OnModuleInit {
  private queue!: Queue<ReplayJob>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
    private readonly jobs: JobQueues,
    private readonly projector: ReadModelProjector,
    private readonly keys: PersonalKeys,
  ) {}

  onModuleInit(): void {
    this.queue = this.jobs.queue<ReplayJob>(REPLAY_QUEUE, { attempts: 1, removeOnComplete: 100, removeOnFail: 100 });
    this.jobs.worker<ReplayJob>(REPLAY_QUEUE, (job) => this.run(job), { concurrency: 1, describe: (job) => job.data });
  }

  async start(principal: Principal): Promise<ReplayView> {
    requireRole(principal);
    const id = uuidv7();
    try {
      await this.db.withTenant(principal.tenantId, (em) =>
        em.query(`INSERT INTO read_model_replays (id, tenant_id, status) VALUES ($1, $2, 'RUNNING')`, [id, principal.tenantId]),
      );
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw conflict('a replay of this tenant is running already');
      throw err;
    }
    await this.queue.add('replay', { tenantId: principal.tenantId, replayId: id }, { jobId: `replay-${id}` });
    return (await this.get(principal, id)) as ReplayView;
  }

  async get(principal: Principal, id: string): Promise<ReplayView | null> {
    requireRole(principal);
    const replayId = validate.requireUuid('id', id);
    const [row]: {
      id: string;
      status: ReplayView['status'];
      events_applied: number;
      failure: string | null;
      started_at: Date;
      finished_at: Date | null;
    }[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT id, status, events_applied, failure, started_at, finished_at FROM read_model_replays WHERE tenant_id = $1 AND id = $2`,
        [principal.tenantId, replayId],
      ),
    );
    return row
      ? {
          id: row.id,
          status: row.status,
          eventsApplied: row.events_applied,
          failure: row.failure,
          startedAt: row.started_at,
          finishedAt: row.finished_at,
        }
      : null;
  }

  async run(job: Job<ReplayJob>): Promise<void> {
    const { tenantId, replayId } = job.data;
    try {
      const ends = await this.streamEnds();
      await this.db.withTenant(tenantId, async (em) => {
        for (const table of ['contact_orders', 'contact_cases', 'contact_external_ids', 'customer_merge_members', 'contacts']) {
          await em.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
        }
      });
      let applied = 0;
      for (const key of STATE_STREAMS) {
        const owner = RESYNCED[key];
        const until: ReplayEnd = owner
          ? {
              service: owner.service,
              ...(await requestResync(this.nc, this.naming, owner.service, { tenantId, recordTypes: owner.recordTypes })),
            }
          : { lastSeq: ends[key] };
        applied += await this.replayStream(tenantId, key, until, async (n) => {
          await this.db.withTenant(tenantId, (em) =>
            em.query(`UPDATE read_model_replays SET events_applied = $3 WHERE tenant_id = $1 AND id = $2`, [
              tenantId,
              replayId,
              applied + n,
            ]),
          );
        });
      }
      await this.refreshAll(tenantId);
      await this.db.withTenant(tenantId, (em) =>
        em.query(
          `UPDATE read_model_replays SET status = 'DONE', events_applied = $3, finished_at = now() WHERE tenant_id = $1 AND id = $2`,
          [tenantId, replayId, applied],
        ),
      );
      this.logger.info({ tenantId, replayId, applied }, 'read model replayed');
    } catch (err) {
      this.logger.error({ err, tenantId, replayId }, 'read model replay failed');
      await this.db.withTenant(tenantId, (em) =>
        em.query(`UPDATE read_model_replays SET status = 'FAILED', failure = $3, finished_at = now() WHERE tenant_id = $1 AND id = $2`, [
          tenantId,
          replayId,
          String((err as Error).message).slice(0, 1000),
        ]),
      );
    }
  }

  /** The last sequence of each stream now: the replay stops there (later events reach the live consumers). */
  private async streamEnds(): Promise<Record<StateStream, number>> {
    const jsm = await this.nc.jetstreamManager();
    const out = {} as Record<StateStream, number>;
    for (const key of STATE_STREAMS) out[key] = (await jsm.streams.info(streamFor(this.naming, STREAMS[key]).name)).state.last_seq;
    return out;
  }

  /**
   * Applies the tenant's retained events of one stream, from its first
   * message to `until`: the stream's end when the replay started, or the
   * marker that closes the resync asked of its owner (everything it
   * republished is before it).
   */
  private async replayStream(
    tenantId: string,
    key: StateStream,
    until: ReplayEnd,
    progress: (n: number) => Promise<void>,
  ): Promise<number> {
    const stream = streamFor(this.naming, STREAMS[key]).name;
    // Retention may have dropped every message, last_seq included: then there is nothing to wait for.
    if ('lastSeq' in until && (await (await this.nc.jetstreamManager()).streams.info(stream)).state.messages === 0) return 0;
    const types = READ_MODEL_EVENTS[key] as readonly string[];
    const consumer = await this.nc.jetstream().consumers.get(stream);
    const messages = await consumer.consume({ max_messages: CHUNK });
    let reachedEnd = false;
    // The marker follows the republished records through the owner's outbox; a relay that never sends it must not hang the replay.
    const timer = setTimeout(() => messages.stop(), RESYNC_WAIT_MS);
    let applied = 0;
    let chunk: EventEnvelope[] = [];
    const flush = async () => {
      if (chunk.length === 0) return;
      const events = chunk;
      chunk = [];
      await this.db.withTenant(tenantId, async (em) => {
        // Replay writes the rows the live consumers write, at the same time: it takes its turn as they do (ADR 069).
        await lockReadModel(em, tenantId, 'exclusive');
        for (const event of events) await this.projector.apply(em, event);
      });
      applied += events.length;
      await progress(applied);
    };
    try {
      for await (const msg of messages) {
        const event = parseEnvelope(msg.data);
        // Opened as a consumer would: an erased person's fields stay erased (their key is gone, ADR 034).
        if (event.tenantId === tenantId && types.some((t) => subjectMatches(t, event.type)))
          chunk.push(await openPersonal(event, this.keys));
        if (chunk.length >= CHUNK) await flush();
        // Without a resync the end is the last sequence seen at the start, or the last message there is (it may have expired since).
        reachedEnd =
          'lastSeq' in until ? msg.seq >= until.lastSeq || msg.info.pending === 0 : closesResync(event, until.service, until.resyncId);
        if (reachedEnd) break;
      }
      if (!reachedEnd)
        throw new Error(`the end of ${key} was not reached within ${RESYNC_WAIT_MS / 60_000} minutes (did its resync marker arrive?)`);
      await flush();
    } finally {
      clearTimeout(timer);
      messages.stop();
    }
    return applied;
  }

  private async refreshAll(tenantId: string): Promise<void> {
    const rows: { id: string }[] = await this.db.withTenant(tenantId, (em) =>
      em.query(`SELECT id FROM contacts WHERE tenant_id = $1 AND merged_into IS NULL ORDER BY id`, [tenantId]),
    );
    for (let i = 0; i < rows.length; i += 5000) {
      const ids = rows.slice(i, i + 5000).map((r) => r.id);
      await this.db.withTenant(tenantId, async (em) => {
        await lockReadModel(em, tenantId, 'exclusive');
        await refreshAggregates(em, tenantId, ids);
      });
    }
  }
}
