import { Registry } from 'prom-client';
import { consumerLagMetrics, jobQueueMetrics } from './flow-metrics';

describe('flow metrics read at scrape time', () => {
  it('gives each consumer its lag and unacknowledged count', async () => {
    const registry = new Registry();
    consumerLagMetrics(registry, async () => [
      { consumer: 'analytics-orders', stream: 'COMMERCE', pending: 1200, ackPending: 50 },
      { consumer: 'analytics-contacts', stream: 'SALES', pending: 0, ackPending: 0 },
    ]);
    const text = await registry.metrics();
    expect(text).toContain('rapport_consumer_pending{consumer="analytics-orders",stream="COMMERCE"} 1200');
    expect(text).toContain('rapport_consumer_ack_pending{consumer="analytics-orders",stream="COMMERCE"} 50');
    expect(text).toContain('rapport_consumer_pending{consumer="analytics-contacts",stream="SALES"} 0');
  });

  it('gives each queue its jobs per watched state, zero where BullMQ counted none', async () => {
    const registry = new Registry();
    jobQueueMetrics(registry, async () => [{ queue: 'sla-timers', counts: { waiting: 3, delayed: 40, failed: 1 } }]);
    const text = await registry.metrics();
    expect(text).toContain('rapport_job_queue_jobs{queue="sla-timers",state="waiting"} 3');
    expect(text).toContain('rapport_job_queue_jobs{queue="sla-timers",state="active"} 0');
    expect(text).toContain('rapport_job_queue_jobs{queue="sla-timers",state="delayed"} 40');
    expect(text).toContain('rapport_job_queue_jobs{queue="sla-timers",state="failed"} 1');
  });

  it('keeps the last values and still answers the scrape when a reading fails or hangs', async () => {
    const registry = new Registry();
    let reading: () => Promise<{ queue: string; counts: Record<string, number> }[]> = async () => [
      { queue: 'webhook-deliveries', counts: { waiting: 7 } },
    ];
    jobQueueMetrics(registry, () => reading());
    await registry.metrics();
    reading = () => Promise.reject(new Error('Redis is gone'));
    expect(await registry.metrics()).toContain('rapport_job_queue_jobs{queue="webhook-deliveries",state="waiting"} 7');
    reading = () => new Promise(() => undefined);
    // A hanging Redis must not hang the scrape (Jest's timeout would fail this).
    expect(await registry.metrics()).toContain('rapport_job_queue_jobs{queue="webhook-deliveries",state="waiting"} 7');
  });
});
