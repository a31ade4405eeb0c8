import { randomUUID } from 'node:crypto';
import type { StartedService } from '@rapport/service-kit';
import { JobQueues } from '@rapport/service-kit';
import { eventuallyWithin, startService } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import { RFM_QUEUE, RfmScheduler, rfmDeduplicationId } from './rfm-scheduler';

/**
 * Recomputes asked for by orders take at most their share of the time
 * (pacedRecomputeStart): after one that took 2 s, with a share of 10 %, the
 * next waits 18 s from its end, delayed in the queue, and requests made
 * meanwhile collapse into it.
 */
describe('analytics: RFM recomputes after orders are paced by the last one’s duration', () => {
  let analytics: StartedService;
  let ds: DataSource;
  const tenantId = randomUUID();
  const contactId = randomUUID();
  const rows = <T>(sql: string, params: unknown[] = []): Promise<T[]> => ds.query(sql, [tenantId, ...params]);
  const eventually = eventuallyWithin({ timeoutMs: 15_000 });
  const succeededRuns = async () =>
    (await rows<{ n: number }>(`SELECT count(*)::int AS n FROM rfm_recompute_runs WHERE tenant_id = $1 AND status = 'SUCCEEDED'`))[0].n;

  beforeAll(async () => {
    analytics = await startService(AnalyticsAppModule, analyticsDefinition, {
      ANALYTICS_RFM_DELAY_MS: '0',
      ANALYTICS_RFM_MAX_SHARE_PERCENT: '10',
    });
    ds = analytics.app.get(DataSource);
    await rows(`INSERT INTO contacts (tenant_id, id) VALUES ($1, $2)`, [contactId]);
    await rows(
      `INSERT INTO orders (id, tenant_id, source, external_order_id, contact_id, customer_contact_id, occurred_at, amount, currency, status)
       VALUES (gen_random_uuid(), $1, 'shop', 'o-1', $2, $2, now() - interval '1 day', 10, 'EUR', 'PLACED')`,
      [contactId],
    );
  });

  afterAll(() => analytics?.close());

  it('holds the next recompute until the share allows it, then runs it once for every request made meanwhile', async () => {
    // A recompute that took 2 s and has just finished.
    await rows(
      `INSERT INTO rfm_recompute_runs (tenant_id, id, status, step, request, requested_at, started_at, finished_at)
       VALUES ($1, $2, 'SUCCEEDED', 'DONE', '{}', now() - interval '2 s', now() - interval '2 s', now())`,
      [randomUUID()],
    );
    const [{ finished }] = await rows<{ finished: Date }>(
      `SELECT max(finished_at) AS finished FROM rfm_recompute_runs WHERE tenant_id = $1`,
    );
    const scheduler = analytics.app.get(RfmScheduler);
    const queue = analytics.app.get(JobQueues).queue(RFM_QUEUE);

    const asked = Date.now();
    scheduler.request(tenantId);
    const jobId = await eventually(
      () => queue.getDeduplicationJobId(rfmDeduplicationId(tenantId)),
      (id) => id !== null,
    );
    // The worker took the job and put it back, delayed until 18 s after the last run ended.
    const job = await eventually(
      async () => (await queue.getJob(jobId!))!,
      (j) => j.attemptsStarted >= 1,
    );
    await eventually(
      () => job.getState(),
      (state) => state === 'delayed',
    );
    const heldAt = Date.now();
    // moveToDelayed records the wait from the moment it ran (between asking and seeing it held): until 18 s after the end.
    const { delay } = (await queue.getJob(jobId!))!;
    expect(delay).toBeGreaterThanOrEqual(finished.getTime() + 18_000 - heldAt);
    expect(delay).toBeLessThanOrEqual(finished.getTime() + 18_000 - asked);
    expect(await succeededRuns()).toBe(1);
    expect(await rows(`SELECT contact_id FROM rfm_scores WHERE tenant_id = $1`)).toEqual([]);

    // More orders meanwhile ask again: the waiting job answers them all.
    scheduler.request(tenantId);
    scheduler.request(tenantId);
    expect(await queue.getDeduplicationJobId(rfmDeduplicationId(tenantId))).toBe(jobId);

    // Once the last run lies far enough back, the held job recomputes.
    await rows(
      `UPDATE rfm_recompute_runs SET requested_at = requested_at - interval '1 min', started_at = started_at - interval '1 min',
              finished_at = finished_at - interval '1 min' WHERE tenant_id = $1`,
    );
    await job.promote();
    await eventually(succeededRuns, (n) => n === 2);
    expect(await rows(`SELECT contact_id FROM rfm_scores WHERE tenant_id = $1`)).toEqual([{ contact_id: contactId }]);
    expect(await job.getState()).toBe('completed');
  });
});
