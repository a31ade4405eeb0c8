import { Inject, Injectable } from '@nestjs/common';
import { resyncCompletedType, SYSTEM_ACTOR, type ResyncReplyV1, type ResyncRequestV1 } from '@rapport/contracts';
import { appendManyToOutbox, newEvent, resyncSubject, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import type { Msg, NatsConnection, Subscription } from 'nats';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { ServiceDefinition } from '../definition';
import { ServiceDatabase } from '../service-database';
import { LOGGER, MESSAGING_NAMING, NATS_CONNECTION, SERVICE_DEFINITION } from '../tokens';
import { parseResyncRequest } from './resync-request';

/** Records per transaction (and per outbox INSERT) while republishing. */
export const RESYNC_PAGE = 500;

/** One kind of record an owning service republishes on request: its live records in id order, as resynced events' data. */
export interface ResyncSource {
  /** The name a request uses (`contact`, `case`). */
  recordType: string;
  /** The `*.resynced` event type (libs/contracts/src/resync). */
  eventType: string;
  /** Up to `limit` live records of the tenant with ids above `afterId` (null: from the first), in id order. */
  page(em: EntityManager, tenantId: string, afterId: string | null, limit: number): Promise<{ id: string; data: object }[]>;
}

/**
 * Answers `resync.<service>.request` (docs/adr/053-stream-retention-and-resync.md):
 * republishes the current state of a tenant's live records, page by page
 * through the outbox (so they are sealed and ordered like every event of
 * the service), then one `<service>.resync.completed` carrying the resync
 * id, and answers with that id once all of it is committed. Feature modules
 * register their sources; the service starts answering with its consumers.
 */
@Injectable()
export class ResyncResponder {
  private readonly sources = new Map<string, ResyncSource>();
  private sub: Subscription | null = null;
  private serving: Promise<void> | null = null;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(SERVICE_DEFINITION) private readonly def: ServiceDefinition,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
  ) {}

  register(source: ResyncSource): void {
    if (this.sources.has(source.recordType)) throw new Error(`resync source ${source.recordType} registered twice`);
    this.sources.set(source.recordType, source);
  }

  /** Starts answering, when the service has something to republish. */
  start(): void {
    if (this.sources.size === 0) return;
    const sub = this.nc.subscribe(resyncSubject(this.naming, this.def.name), { queue: `rapport-resync-${this.def.name}` });
    this.sub = sub;
    // One resync at a time per instance: it reads every live record of a tenant.
    this.serving = (async () => {
      for await (const msg of sub) await this.answer(msg);
    })();
  }

  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    await this.serving;
  }

  private async answer(msg: Msg): Promise<void> {
    let reply: ResyncReplyV1;
    try {
      const request = parseResyncRequest(msg.data, [...this.sources.keys()]);
      reply = await this.resync(request);
    } catch (err) {
      this.logger.error({ err }, 'resync failed');
      reply = { error: (err as Error).message };
    }
    msg.respond(JSON.stringify(reply));
  }

  /** Republishes the tenant's records of the requested types; returns the resync id and counts. */
  async resync(request: Required<ResyncRequestV1>): Promise<{ resyncId: string; published: Record<string, number> }> {
    const { tenantId } = request;
    const resyncId = uuidv7();
    const published: Record<string, number> = {};
    for (const recordType of request.recordTypes) {
      const source = this.sources.get(recordType) as ResyncSource;
      published[recordType] = 0;
      let after: string | null = null;
      for (;;) {
        const cursor: string | null = after;
        const records = await this.db.withTenant(tenantId, async (em) => {
          const page = await source.page(em, tenantId, cursor, RESYNC_PAGE);
          const events = page.map((r) =>
            newEvent({ type: source.eventType, tenantId, actor: SYSTEM_ACTOR, subjectId: r.id, data: { ...r.data, resyncId } }),
          );
          await appendManyToOutbox(em, events);
          return page;
        });
        published[recordType] += records.length;
        if (records.length < RESYNC_PAGE) break;
        after = records[records.length - 1].id;
      }
    }
    // Last, in its own transaction: every resynced event is before it in the outbox, and so on the stream.
    await this.db.withTenant(tenantId, (em) =>
      this.db.publish(
        em,
        newEvent({
          type: resyncCompletedType(this.def.name),
          tenantId,
          actor: SYSTEM_ACTOR,
          subjectId: resyncId,
          data: { resyncId, published },
        }),
      ),
    );
    this.logger.info({ tenantId, resyncId, published }, 'records republished for a resync');
    return { resyncId, published };
  }
}
