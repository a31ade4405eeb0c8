import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { EventEnvelope } from '@rapport/contracts';
import { openPersonal, parseEnvelope, PersonalKeys, streamFor, subjectFor, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { JobQueues, LOGGER, MESSAGING_NAMING, NATS_CONNECTION, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { Queue } from 'bullmq';
import type { NatsConnection } from 'nats';
import { WebhookDeliveries } from './webhook-deliveries';
import { DELIVERABLE_STREAMS, WebhookFanOut } from './webhook-fan-out';

export interface ReplayJob {
  tenantId: string;
  endpointId: string;
  /** ISO instant: events the streams stored at or after it. */
  since: string;
}

const CHUNK = 200;

/**
 * Replays an endpoint from a point in time: reads each stream its event
 * types live in from `since` (JetStream keeps the events) up to the stream's
 * end when the replay began, and makes every matching event of the tenant a
 * pending delivery again — new ones are created, delivered ones get the next
 * generation (same webhook-id). A BullMQ job, so a long replay survives a
 * restart (it starts over; the derived job ids keep deliveries single).
 * The streams keep personal fields sealed (ADR 034): a replay opens them
 * as the live fan-out's consumer does, so a replayed delivery carries what
 * the first one did (or the erased values once the person was erased).
 */
@Injectable()
export class WebhookReplay implements OnModuleInit, OnApplicationBootstrap {
  private queue!: Queue<ReplayJob>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: { dbSchema: string },
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    private readonly db: ServiceDatabase,
    private readonly jobs: JobQueues,
    private readonly fanOut: WebhookFanOut,
    private readonly deliveries: WebhookDeliveries,
    private readonly keys: PersonalKeys,
  ) {}

  private get queueName(): string {
    return `${this.config.dbSchema}-webhook-replays`;
  }

  onModuleInit(): void {
    this.queue = this.jobs.queue<ReplayJob>(this.queueName, {
      attempts: 5,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  onApplicationBootstrap(): void {
    this.jobs.worker<ReplayJob>(this.queueName, (job) => this.replay(job.data), {
      concurrency: 1,
      describe: (job) => ({ endpointId: job.data.endpointId, since: job.data.since }),
    });
  }

  async request(job: ReplayJob): Promise<void> {
    await this.queue.add('replay', job);
  }

  async replay({ tenantId, endpointId, since }: ReplayJob): Promise<number> {
    const [endpoint] = await this.db.withTenant(tenantId, (em) =>
      em.query(`SELECT event_types FROM webhook_endpoints WHERE id = $1`, [endpointId]),
    );
    if (!endpoint) return 0;
    const types = endpoint.event_types as string[];
    let replayed = 0;
    for (const { service, stream } of DELIVERABLE_STREAMS) {
      if (!types.some((t) => t.startsWith(`${service}.`))) continue;
      replayed += await this.replayStream(streamFor(this.naming, stream).name, service, tenantId, endpointId, since);
    }
    this.logger.info({ tenantId, endpointId, since, replayed }, 'webhook endpoint replayed');
    return replayed;
  }

  private async replayStream(stream: string, service: string, tenantId: string, endpointId: string, since: string): Promise<number> {
    const jsm = await this.nc.jetstreamManager();
    const end = (await jsm.streams.info(stream)).state.last_seq;
    if (end === 0) return 0;
    const consumer = await this.nc
      .jetstream()
      .consumers.get(stream, { filterSubjects: subjectFor(this.naming, `${service}.>`), opt_start_time: since });
    if ((await consumer.info(true)).num_pending === 0) return 0;
    const messages = await consumer.consume({ max_messages: CHUNK });
    let replayed = 0;
    let chunk: EventEnvelope[] = [];
    const flush = async () => {
      const sealed = chunk.filter((e) => e.tenantId === tenantId);
      chunk = [];
      if (sealed.length === 0) return;
      const events = await Promise.all(sealed.map((e) => openPersonal(e, this.keys)));
      const jobs = await this.db.withTenant(tenantId, (em) => this.fanOut.record(em, events, true, endpointId));
      replayed += jobs.length;
      await this.deliveries.enqueue(jobs);
    };
    try {
      for await (const msg of messages) {
        if (msg.seq > end) break;
        try {
          chunk.push(parseEnvelope(msg.data));
        } catch (err) {
          this.logger.error({ err, stream, seq: msg.seq }, 'unreadable event skipped by webhook replay');
        }
        if (chunk.length >= CHUNK) await flush();
        if (msg.seq >= end || msg.info.pending === 0) break;
      }
      await flush();
    } finally {
      messages.stop();
    }
    return replayed;
  }
}
