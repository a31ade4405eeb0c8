import { Gauge, type Registry } from 'prom-client';

/** What a scrape reads of one durable consumer: how many events wait for it and how many it holds unacknowledged. */
export interface ConsumerBacklog {
  consumer: string;
  stream: string;
  pending: number;
  ackPending: number;
}

/** Job counts of one BullMQ queue by state, as BullMQ's getJobCounts returns them. */
export interface QueueCounts {
  queue: string;
  counts: Record<string, number>;
}

/** A scrape must answer even when NATS or Redis does not: a reading that takes longer is skipped, the last values stay. */
const READ_TIMEOUT_MS = 2000;

async function within<T>(read: () => Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), READ_TIMEOUT_MS)));
  try {
    return await Promise.race([read().catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `rapport_consumer_pending` (events in the stream the consumer has not
 * taken yet: its lag) and `rapport_consumer_ack_pending` (taken, not yet
 * acknowledged), per durable consumer, read from JetStream at scrape time so
 * they are right across replicas. Labels are bounded: consumers are declared
 * in code.
 */
export function consumerLagMetrics(registry: Registry, read: () => Promise<ConsumerBacklog[]>): void {
  const labelNames = ['consumer', 'stream'] as const;
  // Both gauges are collected in the same scrape, concurrently: they share one reading of JetStream.
  let reading: Promise<ConsumerBacklog[] | null> | null = null;
  const readOnce = () =>
    (reading ??= within(read).finally(() => {
      reading = null;
    }));
  const gauge = (name: string, help: string, value: (b: ConsumerBacklog) => number) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const backlogs = await readOnce();
        for (const b of backlogs ?? []) this.set({ consumer: b.consumer, stream: b.stream }, value(b));
      },
    });
  gauge('rapport_consumer_pending', 'Events in the stream a durable consumer has not taken yet (its lag)', (b) => b.pending);
  gauge('rapport_consumer_ack_pending', 'Events a durable consumer has taken but not yet acknowledged', (b) => b.ackPending);
}

/** The job states operators watch: work waiting, running, scheduled, and given up on. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * `rapport_job_queue_jobs{queue,state}`: jobs per BullMQ queue and state,
 * read from Redis at scrape time (so a queue's depth is the same whichever
 * replica is scraped). A rising `failed` is what to alert on.
 */
export function jobQueueMetrics(registry: Registry, read: () => Promise<QueueCounts[]>): void {
  new Gauge({
    name: 'rapport_job_queue_jobs',
    help: 'Jobs in a BullMQ queue by state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const queues = await within(read);
      if (!queues) return;
      for (const { queue, counts } of queues) for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
    },
  });
}
