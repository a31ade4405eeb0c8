/**
 * "Never duplicated by a worker restart": a second identity process (the
 * built dist/, as deployed) shares the delivery queue and the fan-out with
 * the platform's identity, takes part of a flood of deliveries to a slow
 * receiver, and is killed with SIGKILL in the middle. Every event still
 * arrives, under its one webhook-id; only a delivery in flight at the kill
 * may arrive twice (same webhook-id — receivers deduplicate on it). Needs
 * `npm run build` first.
 */
import { CONTACT_CREATED } from '@rapport/contracts';
import { bearer, graphql } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { contactSnapshot, event, eventually, publish } from '../harness/marketing-fixtures';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';
import { ServiceProcess } from '../harness/service-process';
import { startReceiver, type WebhookReceiver } from '../harness/webhook-receiver';

jest.setTimeout(240_000);

const WEBHOOK_ENV = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_JOB_LOCK_MS: '2000',
  WEBHOOK_RETRY_BASE_DELAY_MS: '200',
  WEBHOOK_RETRY_MAX_DELAY_MS: '1000',
  // A process killed between committing deliveries and queueing them leaves them to the survivor's sweep.
  WEBHOOK_SWEEP_INTERVAL_MS: '5000',
};

describe('a killed identity process loses and doubles no webhook delivery (separate process)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let receiver: WebhookReceiver;
  let second: ServiceProcess | null = null;
  let nc: NatsConnection;

  beforeAll(async () => {
    // 30 ms per answer: the flood is still being delivered when the process dies. The second process sends 16 at
    // once, more than its database pool holds: a delivery must never wait for a second connection while holding one.
    receiver = await startReceiver({ delayMs: 30 });
    platform = await startPlatform({}, { identity: { ...WEBHOOK_ENV, WEBHOOK_DELIVERY_CONCURRENCY: '2' } });
    second = await ServiceProcess.start('identity', {
      ...WEBHOOK_ENV,
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      WEBHOOK_DELIVERY_CONCURRENCY: '8',
    });
    tenant = await createTenant(platform, 'hookkill');
    nc = await connect({ servers: process.env.NATS_URL });
  });

  afterAll(async () => {
    await second?.stop();
    await nc?.close();
    await platform?.stop();
    await receiver?.close();
  });

  it('delivers every event of the flood under one webhook-id each after a SIGKILL mid-flood', async () => {
    const admin = bearer(await tenant.tokenFor('admin'));
    const created = await graphql(
      platform.graphqlUrl,
      `
        mutation ($input: CreateWebhookEndpointInput!) {
          createWebhookEndpoint(input: $input) {
            endpoint {
              id
            }
          }
        }
      `,
      { input: { url: `${receiver.url}/ok/flood`, eventTypes: [CONTACT_CREATED] } },
      admin,
    );
    expect(created.errors).toBeUndefined();
    const endpointId = created.data!.createWebhookEndpoint.endpoint.id as string;

    const events = Array.from({ length: 300 }, (_, i) => {
      const contact = contactSnapshot({ lastName: `Flood${i}` });
      return event(tenant.id, CONTACT_CREATED, contact.id, { contact });
    });
    for (const e of events) await publish(nc, e);

    const flood = () => receiver.received.filter((r) => r.path === '/ok/flood');
    await eventually(
      async () => flood().length,
      (n) => n >= 60,
      60_000,
    );
    const exit = await second!.kill('SIGKILL');
    expect(exit?.signal).toBe('SIGKILL');
    const atKill = flood().length;
    expect(atKill).toBeLessThan(events.length);

    const ids = new Set(events.map((e) => e.id));
    await eventually(
      async () => new Set(flood().map((r) => r.webhookId)).size,
      (n) => n === ids.size,
      180_000,
    );
    // Let late retries and taken-over jobs show up before counting.
    await new Promise((r) => setTimeout(r, 3000));
    const perId = new Map<string, number>();
    for (const r of flood()) perId.set(r.webhookId, (perId.get(r.webhookId) ?? 0) + 1);
    expect([...perId.keys()].filter((id) => !ids.has(id))).toEqual([]);
    const twice = [...perId.values()].filter((n) => n > 1);
    // At most the deliveries the killed process had in flight (its concurrency) arrive again, never more than twice.
    expect(twice.length).toBeLessThanOrEqual(16);
    expect(twice.every((n) => n === 2)).toBe(true);

    const ds = platform.identity.app.get(DataSource);
    const rows: { status: string; n: number }[] = await ds.query(
      `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY status`,
      [endpointId],
    );
    expect(rows).toEqual([{ status: 'SUCCEEDED', n: events.length }]);
    console.log(`webhook kill: ${atKill} of ${events.length} delivered at the kill; ${twice.length} delivered twice`);
  });
});
