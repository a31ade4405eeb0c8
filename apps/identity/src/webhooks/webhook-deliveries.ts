import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { eventForReader, type Principal } from '@rapport/auth';
import { SYSTEM_ACTOR, WEBHOOK_DISABLED, type EventEnvelope } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { Logger, ServiceMetrics } from '@rapport/observability';
import { returnedRows } from '@rapport/persistence';
import { AccessPolicy, JobQueues, LOGGER, METRICS, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import { DelayedError, type Job, type Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { IdentityConfig } from '../identity.env';
import { postDelivery, type AttemptOutcome } from './webhook-http';
import { activeAdmins, readerOf } from './webhook-reader';
import { attemptsFor, retryDelayMs, type WebhookRetryPolicy } from './webhook-retry';
import { deliveryJobId, ENDPOINT_COLUMNS, type DeliveryJob, type EndpointRow } from './webhook-rows';
import { WebhookSecrets } from './webhook-secrets';
import { webhookMetrics, type WebhookMetrics } from './webhook-metrics';
import { signedHeaders, signingSecrets } from './webhook-signing';

type Config = IdentityConfig & { dbSchema: string };

/** Per database schema, so test instances on their own schemas never take each other's jobs. */
export function deliveryQueueName(dbSchema: string): string {
  return `${dbSchema}-webhook-deliveries`;
}

/** The endpoint did not take the delivery: retried as planned, not an error of the platform. */
class EndpointFailed extends Error {}

/** How long a delivery waits for an earlier one of the same subject before looking again (ordered endpoints). */
const ORDER_WAIT_MS = 250;
const SWEEP_PAGE = 500;

/**
 * Sends deliveries: one BullMQ job per (endpoint, event), id derived from
 * the delivery and its generation, so adding it again (after a restart, by
 * the start-up sweep) is a no-op and a worker restart never sends it twice
 * as two jobs. Every retry carries the same webhook-id (the event's id);
 * every attempt is recorded. The delivery row is the truth: a job whose
 * delivery already succeeded, or was redelivered under a newer generation,
 * does nothing.
 */
@Injectable()
export class WebhookDeliveries implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private queue!: Queue<DeliveryJob>;
  private readonly policy: WebhookRetryPolicy;
  private readonly metrics: WebhookMetrics;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: Config,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
    private readonly jobs: JobQueues,
    private readonly access: AccessPolicy,
    private readonly secrets: WebhookSecrets,
    @Inject(METRICS) metrics: ServiceMetrics,
  ) {
    this.metrics = webhookMetrics(metrics.registry);
    this.policy = {
      baseDelayMs: config.WEBHOOK_RETRY_BASE_DELAY_MS,
      maxDelayMs: config.WEBHOOK_RETRY_MAX_DELAY_MS,
      retryForMs: config.WEBHOOK_RETRY_FOR_SECONDS * 1000,
    };
  }

  onModuleInit(): void {
    this.queue = this.jobs.queue<DeliveryJob>(deliveryQueueName(this.config.dbSchema), {
      attempts: attemptsFor(this.policy),
      backoff: { type: 'custom' },
      removeOnComplete: { count: 10_000 },
      removeOnFail: { count: 10_000 },
    });
  }

  onApplicationBootstrap(): void {
    this.jobs.worker<DeliveryJob>(deliveryQueueName(this.config.dbSchema), (job, token) => this.deliver(job, token), {
      concurrency: this.config.WEBHOOK_DELIVERY_CONCURRENCY,
      lockDuration: this.config.WEBHOOK_JOB_LOCK_MS,
      backoff: (attemptsMade) => retryDelayMs(this.policy, attemptsMade),
      expectedFailure: (err) => err instanceof EndpointFailed,
      describe: (job) => ({ deliveryId: job.data.deliveryId, generation: job.data.generation }),
    });
    this.jobs.inBackground('webhook delivery sweep', () => this.sweep());
    // Not only at start: another replica may die between committing deliveries and queueing them, and this one
    // would otherwise leave them pending until its own next start.
    const interval = this.config.WEBHOOK_SWEEP_INTERVAL_MS;
    this.sweeper = setInterval(() => this.jobs.inBackground('webhook delivery sweep', () => this.sweep(interval)), interval);
    this.sweeper.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** Queues deliveries whose rows are committed. Never throws: the next sweep queues what Redis refused now. */
  async enqueue(jobs: DeliveryJob[]): Promise<void> {
    if (jobs.length === 0) return;
    try {
      await this.queue.addBulk(
        jobs.map((data) => ({ name: 'deliver', data, opts: { jobId: deliveryJobId(data.deliveryId, data.generation) } })),
      );
    } catch (err) {
      this.logger.error({ err, deliveries: jobs.length }, 'could not queue webhook deliveries; the next sweep will');
    }
  }

  /**
   * Re-queues every pending delivery (a process may have died between commit and queueing), or those older than
   * `olderThanMs` (younger ones are still being queued); derived job ids make it idempotent.
   */
  async sweep(olderThanMs = 0): Promise<number> {
    let queued = 0;
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page: { id: string; tenant_id: string; generation: number }[] = await this.db.tenantDb.system((em) =>
        em.query(
          `SELECT d.id, d.tenant_id, d.generation FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.status = 'PENDING' AND e.enabled AND d.id > $1 AND d.created_at <= now() - ($3::int * interval '1 millisecond')
            ORDER BY d.id LIMIT $2`,
          [afterId, SWEEP_PAGE, olderThanMs],
        ),
      );
      await this.enqueue(page.map((r) => ({ tenantId: r.tenant_id, deliveryId: r.id, generation: r.generation })));
      queued += page.length;
      if (page.length < SWEEP_PAGE) return queued;
      afterId = page[page.length - 1].id;
    }
  }

  /** One attempt of one delivery. Throws on failure so BullMQ retries it (custom backoff) until the attempts run out. */
  async deliver(job: Job<DeliveryJob>, token?: string): Promise<void> {
    const { tenantId, deliveryId, generation } = job.data;
    const now = new Date();
    const ready = await this.db.withTenant(tenantId, (em) => this.prepare(em, deliveryId, generation));
    if (ready === 'wait') {
      await job.moveToDelayed(Date.now() + ORDER_WAIT_MS, token);
      throw new DelayedError();
    }
    if (!ready) return;
    const { endpoint, event, reader } = ready;
    // Outside the transaction above: the settings store opens its own, and nesting them could exhaust the pool.
    const visible = reader ? eventForReader(reader, event, await this.access.overrides(reader)) : null;
    if (!visible) {
      await this.db.withTenant(tenantId, (em) =>
        em.query(`UPDATE webhook_deliveries SET status = 'SKIPPED', last_attempt_at = $3 WHERE id = $1 AND generation = $2`, [
          deliveryId,
          generation,
          now,
        ]),
      );
      this.metrics.attempt('skipped');
      return;
    }
    const body = JSON.stringify(visible);
    const headers = signedHeaders(signingSecrets(this.secrets.open(endpoint), now), event.id, now, body);
    const outcome = await postDelivery(endpoint.url, { ...headers }, body, {
      timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
      allowPrivate: this.config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    });
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await this.db.withTenant(tenantId, (em) => this.record(em, endpoint, deliveryId, generation, outcome, last, now));
    this.metrics.attempt(outcome.ok ? 'succeeded' : last ? 'failed' : 'retrying', outcome.latencyMs);
    if (!outcome.ok) throw new EndpointFailed(`webhook delivery failed: ${outcome.error}`);
  }

  /**
   * What to send and to whose eyes, or null when there is nothing to do
   * (done, superseded, endpoint disabled), or 'wait' while an earlier event
   * of the same subject is still pending on an endpoint that asked for order.
   */
  private async prepare(
    em: EntityManager,
    deliveryId: string,
    generation: number,
  ): Promise<{ endpoint: EndpointRow; event: EventEnvelope; reader: Principal | null } | null | 'wait'> {
    const [d] = await em.query(`SELECT endpoint_id, seq, subject_id, event, status, generation FROM webhook_deliveries WHERE id = $1`, [
      deliveryId,
    ]);
    if (!d || d.status !== 'PENDING' || d.generation !== generation) return null;
    const [endpoint]: EndpointRow[] = await em.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [d.endpoint_id]);
    if (!endpoint?.enabled) return null;
    if (endpoint.orderedBySubject) {
      const earlier = await em.query(
        `SELECT 1 FROM webhook_deliveries WHERE endpoint_id = $1 AND subject_id = $2 AND status = 'PENDING' AND seq < $3 LIMIT 1`,
        [d.endpoint_id, d.subject_id, d.seq],
      );
      if (earlier.length > 0) return 'wait';
    }
    return { endpoint, event: d.event as EventEnvelope, reader: await readerOf(em, endpoint) };
  }

  /** Records the attempt, settles the delivery, and tracks how long the endpoint has been failing. */
  private async record(
    em: EntityManager,
    endpoint: EndpointRow,
    deliveryId: string,
    generation: number,
    outcome: AttemptOutcome,
    last: boolean,
    at: Date,
  ): Promise<void> {
    const status = outcome.ok ? 'SUCCEEDED' : last ? 'FAILED' : 'PENDING';
    const updated = await em.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = $3, status = $4,
              succeeded_at = CASE WHEN $4 = 'SUCCEEDED' THEN $3 ELSE succeeded_at END
        WHERE id = $1 AND generation = $2 RETURNING attempts`,
      [deliveryId, generation, at, status],
    );
    const [row] = returnedRows<{ attempts: number }>(updated);
    if (!row) return;
    await em.query(
      `INSERT INTO webhook_attempts (id, tenant_id, delivery_id, attempt, attempted_at, status_code, ok, latency_ms, response_excerpt, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        uuidv7(),
        endpoint.tenantId,
        deliveryId,
        row.attempts,
        at,
        outcome.status,
        outcome.ok,
        outcome.latencyMs,
        outcome.responseExcerpt,
        outcome.error?.slice(0, 1000) ?? null,
      ],
    );
    if (outcome.ok) {
      await em.query(`UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, [endpoint.id]);
      return;
    }
    const [state] = returnedRows<{ failing_since: Date; enabled: boolean }>(
      await em.query(
        `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, $2) WHERE id = $1 RETURNING failing_since, enabled`,
        [endpoint.id, at],
      ),
    );
    if (state.enabled && at.getTime() - state.failing_since.getTime() >= this.config.WEBHOOK_DISABLE_AFTER_SECONDS * 1000)
      await this.disable(em, endpoint, state.failing_since, at);
  }

  /** Stops deliveries to an endpoint that kept failing; platform.webhook.disabled tells the tenant's admins (in-app, via service). */
  private async disable(em: EntityManager, endpoint: EndpointRow, failingSince: Date, at: Date): Promise<void> {
    const reason = `no successful delivery since ${failingSince.toISOString()}`;
    await em.query(`UPDATE webhook_endpoints SET enabled = false, disabled_at = $2, disabled_reason = $3, updated_at = $2 WHERE id = $1`, [
      endpoint.id,
      at,
      reason,
    ]);
    await this.db.publish(
      em,
      newEvent({
        type: WEBHOOK_DISABLED,
        tenantId: endpoint.tenantId,
        actor: SYSTEM_ACTOR,
        subjectId: endpoint.id,
        data: {
          endpoint: { id: endpoint.id, url: endpoint.url, failingSince: failingSince.toISOString(), disabledAt: at.toISOString(), reason },
          notify: await activeAdmins(em),
        },
      }),
    );
    this.logger.warn({ endpointId: endpoint.id, tenantId: endpoint.tenantId, failingSince }, 'webhook endpoint disabled after failing');
  }
}
