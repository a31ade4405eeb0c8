import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { HealthRegistry, type Logger, type ServiceMetrics } from '@rapport/observability';
import { FlowProducer, Queue, Worker, type DefaultJobOptions, type Job, type Processor } from 'bullmq';
import Redis from 'ioredis';
import type { PlatformConfig } from './service-config';
import { jobQueueMetrics, QUEUE_STATES } from './flow-metrics';
import { LOGGER, METRICS, SERVICE_CONFIG } from './tokens';

/**
 * BullMQ for a service: one Redis connection (opened on first use, so
 * services without jobs never connect), queues and workers under
 * REDIS_PREFIX, Redis in the readiness checks, failed jobs logged, and an
 * orderly stop — workers finish their running jobs before the queues and
 * the connection close (and before the database closes, which happens in
 * the later shutdown phase).
 */
@Injectable()
export class JobQueues implements BeforeApplicationShutdown {
  private redisConnection: Redis | null = null;
  private readonly queues: Queue[] = [];
  private readonly workers: Worker[] = [];
  private flowProducer: FlowProducer | null = null;
  private redisFailing = false;
  private stopping = false;
  /**
   * One line per outage (readiness reports it meanwhile), not a stack trace per reconnect attempt from
   * the connection and from each queue and worker (theirs duplicate it for blocking reads).
   */
  private readonly onRedisError = (err: Error) => {
    if (!this.redisFailing) this.logger.warn({ err: err.message }, 'Redis connection failed; retrying');
    this.redisFailing = true;
  };

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: PlatformConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly health: HealthRegistry,
    @Inject(METRICS) metrics: ServiceMetrics,
  ) {
    // Only queues this process opened: a service without jobs never connects to Redis for its metrics either.
    jobQueueMetrics(metrics.registry, () =>
      Promise.all(this.queues.map(async (q) => ({ queue: q.name, counts: await q.getJobCounts(...QUEUE_STATES) }))),
    );
  }

  queue<T>(name: string, defaultJobOptions?: DefaultJobOptions): Queue<T> {
    const queue = new Queue<T>(name, { connection: this.redis(), prefix: this.config.REDIS_PREFIX, defaultJobOptions });
    queue.on('error', this.onRedisError);
    this.queues.push(queue as Queue);
    return queue;
  }

  /** Parent/child job trees (e.g. a campaign and its send batches) on the same connection and prefix. */
  flows(): FlowProducer {
    if (!this.flowProducer) {
      this.flowProducer = new FlowProducer({ connection: this.redis(), prefix: this.config.REDIS_PREFIX });
      this.flowProducer.on('error', this.onRedisError);
    }
    return this.flowProducer;
  }

  /** The shared connection, for other Redis work of the service (e.g. rate limits); keys belong under REDIS_PREFIX. */
  connection(): Redis {
    return this.redis();
  }

  /**
   * `describe` names the job in the failure log (e.g. tenant and case ids).
   * `lockDuration`: how long a job stays locked without renewal — after a
   * killed worker, its job is taken over once the lock runs out.
   * `backoff`: the wait before retry n, for jobs added with `backoff: { type: 'custom' }`.
   * `expectedFailure`: failures that are the job's normal course (a partner's
   * endpoint answering 500), logged as a warning without a stack trace.
   */
  worker<T>(
    name: string,
    processor: Processor<T>,
    options: {
      concurrency: number;
      describe?: (job: Job<T>) => object;
      lockDuration?: number;
      backoff?: (attemptsMade: number) => number;
      expectedFailure?: (err: Error) => boolean;
    },
  ): Worker<T> {
    const worker = new Worker<T>(name, processor, {
      connection: this.redis(),
      prefix: this.config.REDIS_PREFIX,
      concurrency: options.concurrency,
      ...(options.lockDuration ? { lockDuration: options.lockDuration, stalledInterval: options.lockDuration } : {}),
      ...(options.backoff ? { settings: { backoffStrategy: options.backoff } } : {}),
    });
    worker.on('error', this.onRedisError);
    worker.on('failed', (job, err) => {
      const context = { queue: name, attempt: job?.attemptsMade, ...(job && options.describe ? options.describe(job) : {}) };
      if (options.expectedFailure?.(err)) this.logger.warn({ ...context, reason: err.message }, 'job failed; retrying as planned');
      else this.logger.error({ err, ...context }, 'job failed');
    });
    this.workers.push(worker as Worker);
    return worker;
  }

  /**
   * Start-up work that queues jobs (re-planning timers, re-queueing lost deliveries) runs beside the start, not
   * before it: awaited in a bootstrap hook, one `add` waiting for an unreachable Redis kept the service from
   * ever listening (or reporting unready, or ending on SIGTERM). A failure is logged, and the work runs again at
   * the next start; one cut short by the shutdown is not a failure.
   */
  inBackground(what: string, work: () => Promise<unknown>): void {
    work().catch((err: unknown) => {
      if (this.stopping)
        this.logger.info({ reason: (err as Error).message }, `${what} stopped by the shutdown; it runs again at the next start`);
      else this.logger.error({ err }, `${what} failed; it runs again at the next start`);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const redis = this.redisConnection;
    if (redis && redis.status !== 'ready') {
      // Without Redis nothing can finish: every command a close sends (and each worker's blocking read) would
      // wait for a reconnect that may never come — a service stayed up 6.5 minutes after SIGTERM. Dropping the
      // connection fails those commands at once; jobs still running are taken over by another worker once their
      // lock expires, as after a crash.
      this.logger.warn({ redis: redis.status }, 'Redis is unreachable at shutdown: closing job queues without waiting for it');
      redis.disconnect();
      await Promise.allSettled([
        ...this.workers.map((w) => w.close(true)),
        ...this.queues.map((q) => q.close()),
        this.flowProducer?.close(),
      ]);
      return;
    }
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(this.queues.map((q) => q.close()));
    await this.flowProducer?.close();
    this.redisConnection?.disconnect();
  }

  private redis(): Redis {
    if (!this.redisConnection) {
      // BullMQ's blocking commands need maxRetriesPerRequest: null.
      const connection = new Redis(this.config.REDIS_URL, { maxRetriesPerRequest: null });
      this.redisConnection = connection;
      connection.on('error', this.onRedisError);
      connection.on('ready', () => (this.redisFailing = false));
      this.health.register('redis', async () => {
        if ((await connection.ping()) !== 'PONG') throw new Error('unexpected PING reply');
      });
    }
    return this.redisConnection;
  }
}

/**
 * Removes a job made stale by a newer plan, as an early clean-up only. BullMQ
 * refuses to remove a job that is running (locked); that job finds the newer
 * version and does nothing, so the refusal — like Redis briefly unreachable,
 * which the health checks report — costs nothing but the clean-up.
 */
export async function removeStaleJob(queue: Queue<any>, jobId: string): Promise<void> {
  try {
    await queue.remove(jobId);
  } catch {
    // Running now, or Redis unreachable: the job goes stale by itself.
  }
}
