/**
 * "A restart never sends twice": the marketing service runs as its own
 * process (the built dist/, as deployed), is killed with SIGKILL in the
 * middle of a campaign, and a new process finishes it. Needs `npm run
 * build` first (npm test does it).
 */
import { SmtpSink } from '@rapport/channels/testing';
import { Client } from 'pg';
import { connect, type NatsConnection } from 'nats';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';
import {
  CAMPAIGN,
  contactSnapshot,
  CREATE_CAMPAIGN,
  CREATE_SEGMENT,
  eventually,
  freePort,
  gatewayClient,
  LAUNCH,
  optIn,
  publish,
  event,
} from '../harness/marketing-fixtures';
import { ServiceProcess } from '../harness/service-process';
import { CONTACT_CREATED } from '@rapport/contracts';

const CONCURRENCY = 2;
const CLAIM_SIZE = 5;

// Platform start-up and waits for background work on a loaded 2-core machine.
jest.setTimeout(180_000);

describe('a killed marketing worker never makes a campaign send twice (integration, separate process)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let sink: SmtpSink;
  let nc: NatsConnection;
  let db: Client;
  let port: number;
  let env: Record<string, string>;
  let running: ServiceProcess | null = null;

  beforeAll(async () => {
    // Each message takes the sink 40 ms, so the campaign is still sending when the process dies.
    sink = await SmtpSink.start({ dataDelayMs: 40 });
    port = await freePort();
    platform = await startPlatform({ SUBGRAPH_MARKETING_URL: `http://127.0.0.1:${port}/graphql` }, {}, { skip: ['marketing'] });
    env = {
      PORT: String(port),
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      IDENTITY_JWKS_URL: `${platform.identity.url}/.well-known/jwks.json`,
      MARKETING_SMTP_URL: sink.url,
      MARKETING_EMAIL_FROM: 'news@rapport.test',
      MARKETING_SEND_BATCH_SIZE: '25',
      MARKETING_SEND_CONCURRENCY: String(CONCURRENCY),
      // Each job claims and sends recipients a few at a time (ADR 058): what is in flight at the kill is bounded by both.
      MARKETING_SEND_CLAIM_SIZE: String(CLAIM_SIZE),
      // A dead worker's batch is taken over this soon after its lock lapses.
      MARKETING_JOB_LOCK_MS: '2000',
    };
    running = await ServiceProcess.start('marketing', env, port);
    tenant = await createTenant(platform, 'kill');
    nc = await connect({ servers: process.env.NATS_URL });
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await running?.stop();
    await db?.end();
    await nc?.close();
    await platform?.stop();
    await sink?.close();
  });

  it('finishes the campaign in a new process; every contact gets the message at most once, and only the claims in flight are left out', async () => {
    const call = gatewayClient(platform, await tenant.tokenFor('marketer'));
    const contacts = Array.from({ length: 150 }, (_, i) => contactSnapshot({ lastName: 'Kill', emails: [`kill${i}@example.com`] }));
    for (const contact of contacts) await publish(nc, event(tenant.id, CONTACT_CREATED, contact.id, { contact }));
    const schema = `marketing_${process.env.DB_SCHEMA_SUFFIX}`;
    await eventually(
      async () => (await db.query(`SELECT count(*)::int AS n FROM ${schema}.contacts WHERE tenant_id = $1`, [tenant.id])).rows[0].n,
      (n) => n === contacts.length,
      60_000,
    );
    await optIn(
      call,
      contacts.map((c) => c.id),
    );
    const segment = (await call(CREATE_SEGMENT, { input: { name: 'Kill', rule: { field: 'lastName', op: 'eq', value: 'Kill' } } }))
      .createSegment.segment;
    const campaign = (
      await call(CREATE_CAMPAIGN, {
        input: {
          name: 'Kill',
          segmentId: segment.id,
          channel: 'EMAIL',
          variants: [{ key: 'A', splitPercent: 100, subject: 'Once', text: 'once' }],
        },
      })
    ).createCampaign.campaign;
    await call(LAUNCH, { id: campaign.id });

    await sink.waitForMessages(30, 60_000);
    await running!.kill('SIGKILL');
    const atKill = sink.messages.length;
    expect(atKill).toBeLessThan(contacts.length);

    await running!.start();
    const done = await eventually(
      async () => (await call(CAMPAIGN, { id: campaign.id })).campaign,
      (c) => c.status === 'SENT',
      120_000,
    );

    const byStatus = Object.fromEntries(done.audience.byStatus.map((s: { key: string; count: number }) => [s.key, s.count]));
    const recipients = sink.messages.map((m) => m.envelope.to[0]);
    expect(new Set(recipients).size).toBe(recipients.length); // nobody twice
    // Messages being handed to SMTP when the process died are never resent (at most one claim per send worker);
    // whether the server had taken them is unknown, so they may or may not be among the received.
    const interrupted = byStatus.INTERRUPTED ?? 0;
    expect(interrupted).toBeLessThanOrEqual(CONCURRENCY * CLAIM_SIZE);
    expect(recipients.length).toBeGreaterThanOrEqual(byStatus.SENT ?? 0);
    expect(recipients.length).toBeLessThanOrEqual((byStatus.SENT ?? 0) + interrupted);
    expect((byStatus.SENT ?? 0) + (byStatus.INTERRUPTED ?? 0)).toBe(contacts.length);
    expect(sink.messages.length).toBeGreaterThan(atKill);
  });
});
