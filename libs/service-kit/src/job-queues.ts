import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { HealthRegistry, type Logger } from '@rapport/observability';
import { FlowProducer, Queue, Worker, type DefaultJobOptions, type Job, type Processor } from 'bullmq';
import Redis from 'ioredis';
import type { PlatformConfig } from './service-config';
import { LOGGER, SERVICE_CONFIG } from './tokens';

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

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: PlatformConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly health: HealthRegistry,
  ) {}

  queue<T>(name: string, defaultJobOptions?: DefaultJobOptions): Queue<T> {
    const queue = new Queue<T>(name, { connection: this.redis(), prefix: this.config.REDIS_PREFIX, defaultJobOptions });
    this.queues.push(queue as Queue);
    return queue;
  }

  /** Parent/child job trees (e.g. a campaign and its send batches) on the same connection and prefix. */
  flows(): FlowProducer {
    this.flowProducer ??= new FlowProducer({ connection: this.redis(), prefix: this.config.REDIS_PREFIX });
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
   */
  worker<T>(
    name: string,
    processor: Processor<T>,
    options: { concurrency: number; describe?: (job: Job<T>) => object; lockDuration?: number },
  ): Worker<T> {
    const worker = new Worker<T>(name, processor, {
      connection: this.redis(),
      prefix: this.config.REDIS_PREFIX,
      concurrency: options.concurrency,
      ...(options.lockDuration ? { lockDuration: options.lockDuration, stalledInterval: options.lockDuration } : {}),
    });
    worker.on('failed', (job, err) =>
      this.logger.error(
        { err, queue: name, attempt: job?.attemptsMade, ...(job && options.describe ? options.describe(job) : {}) },
        'job failed',
      ),
    );
    this.workers.push(worker as Worker);
    return worker;
  }

  async beforeApplicationShutdown(): Promise<void> {
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
