import type { StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { SalesAppModule } from '../../apps/sales/src/app.module';
import { salesDefinition } from '../../apps/sales/src/sales.definition';

// Service start-up against the real Postgres, NATS and Redis on a shared 2-core machine.
jest.setTimeout(90_000);

/**
 * A service's /metrics shows, read from JetStream and Redis at scrape time,
 * how far behind each of its durable consumers is and how many jobs each of
 * its queues holds by state — what operators alert on when events or jobs
 * pile up.
 */
describe('flow metrics on /metrics', () => {
  let sales: StartedService;

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition);
  });

  afterAll(() => sales?.close());

  const scrape = async () => (await fetch(`${sales.url}/metrics`)).text();
  const sample = (text: string, name: string, labels: RegExp) =>
    text.split('\n').find((line) => line.startsWith(`${name}{`) && labels.test(line));

  it("gives each durable consumer's lag and unacknowledged count from JetStream", async () => {
    const text = await scrape();
    const pending = sample(text, 'rapport_consumer_pending', /consumer="sales_recovery_tasks",stream="[^"]+"/);
    expect(pending).toMatch(/ \d+$/);
    expect(sample(text, 'rapport_consumer_ack_pending', /consumer="sales_recovery_tasks"/)).toMatch(/ \d+$/);
  });

  it('gives each job queue its jobs by state from Redis', async () => {
    const text = await scrape();
    for (const state of ['waiting', 'active', 'delayed', 'failed'])
      expect(sample(text, 'rapport_job_queue_jobs', new RegExp(`queue="[^"]*reminder[^"]*",state="${state}"`))).toMatch(/ \d+$/);
  });
});
