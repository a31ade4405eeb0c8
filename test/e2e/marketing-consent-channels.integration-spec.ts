import { HttpProvider, SmtpSink } from '@rapport/channels/testing';
import { bearer, graphql, StreamProbe } from '@rapport/testing';
import type { NatsConnection } from 'nats';
import type { Platform, TestTenant } from '../harness/platform';
import { randomUUID } from 'node:crypto';
import { CONTACT_MERGED, CUSTOMER_TIER_CHANGED, CUSTOMER_VALUE_CHANGED } from '@rapport/contracts';
import {
  CAMPAIGN,
  contactSnapshot,
  event,
  publish,
  CREATE_CAMPAIGN,
  CREATE_SEGMENT,
  eventually,
  gatewayClient,
  LAUNCH,
  marketingDb,
  optIn,
  seedContacts,
  SET_CONSENT,
  startMarketingRig,
  type MarketingRig,
} from '../harness/marketing-fixtures';

const SECRET = 'whsec-test-0123456789';

// Platform start-up and waits for background work on a loaded 2-core machine.
jest.setTimeout(180_000);

describe('consent, double opt-in, SMS and push providers, read-model replay (integration)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let sink: SmtpSink;
  let provider: HttpProvider;
  let nc: NatsConnection;
  let probe: StreamProbe;
  let call: ReturnType<typeof gatewayClient>;
  let gatewayUrl: string;

  let rig: MarketingRig;

  beforeAll(async () => {
    provider = await HttpProvider.start({ apiKey: 'provider-key', webhookSecret: SECRET });
    rig = await startMarketingRig('consent', (gateway) => ({
      MARKETING_SMS_PROVIDER_URL: `${provider.url}/sms`,
      MARKETING_PUSH_PROVIDER_URL: `${provider.url}/push`,
      MARKETING_PROVIDER_API_KEY: 'provider-key',
      MARKETING_PROVIDER_CALLBACK_URL: `${gateway}/m/webhooks/receipts`,
      MARKETING_PROVIDER_WEBHOOK_SECRET: SECRET,
    }));
    ({ platform, tenant, sink, nc, probe, call, gatewayUrl } = rig);
  });

  afterAll(async () => {
    await rig?.stop();
    await provider?.close();
  });

  it('double opt-in: PENDING until the emailed link is confirmed, then OPTED_IN with the confirmation as proof', async () => {
    const c = contactSnapshot({ firstName: 'Dora', lastName: 'Double', emails: ['dora@example.com'] });
    await seedContacts(platform, nc, tenant.id, [c]);
    const set = await call(SET_CONSENT, {
      input: { contactId: c.id, channel: 'EMAIL', status: 'OPTED_IN', source: 'web-form', doubleOptIn: true },
    });
    expect(set.setConsent).toEqual({
      consent: { status: 'PENDING', channel: 'EMAIL', purpose: 'MARKETING', source: 'web-form' },
      confirmationSent: true,
    });
    const mail = await sink.waitForMessageTo('dora@example.com', 10_000);
    expect(mail.header('list-unsubscribe')).toBeUndefined(); // a service message
    const link = /(http:\/\/[^\s"]+\/m\/confirm\/[^\s"]+)/.exec(String(mail.parsed.text))![1];
    expect((await fetch(link)).status).toBe(200);
    const [before] = await marketingDb(platform).query(`SELECT status FROM consents WHERE contact_id = $1`, [c.id]);
    expect(before.status).toBe('PENDING'); // opening the page (or a mail scanner) does not confirm
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    const [after] = await marketingDb(platform).query(`SELECT status, source, proof FROM consents WHERE contact_id = $1`, [c.id]);
    expect(after).toMatchObject({ status: 'OPTED_IN', source: 'web-form' });
    expect(after.proof).toMatch(/^double-opt-in:/);
    const history = await marketingDb(platform).query(
      `SELECT previous_status, status FROM consent_history WHERE contact_id = $1 ORDER BY changed_at`,
      [c.id],
    );
    expect(history).toEqual([
      { previous_status: null, status: 'PENDING' },
      { previous_status: 'PENDING', status: 'OPTED_IN' },
    ]);
    const stream = `MARKETING_${process.env.NATS_STREAM_SUFFIX}`;
    await probe.waitFor(stream, `${process.env.NATS_SUBJECT_PREFIX}.marketing.consent.changed`, (e) =>
      e.some((x) => x.subjectId === c.id && (x.data as { status: string }).status === 'OPTED_IN'),
    );
  });

  it('refuses consent for a contact the tenant does not have, an over-long source, and a role without consent rights', async () => {
    const res = await graphql(
      platform.graphqlUrl,
      SET_CONSENT,
      { input: { contactId: '0190c000-0000-7000-8000-000000000999', channel: 'EMAIL', status: 'OPTED_IN', source: 'web' } },
      bearer(await tenant.tokenFor('marketer')),
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.contactId' });
    const bad = await graphql(
      platform.graphqlUrl,
      SET_CONSENT,
      { input: { contactId: '0190c000-0000-7000-8000-000000000999', channel: 'EMAIL', status: 'OPTED_IN', source: 'x'.repeat(101) } },
      bearer(await tenant.tokenFor('marketer')),
    );
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.source' });
    const partner = await graphql(
      platform.graphqlUrl,
      SET_CONSENT,
      { input: { contactId: '0190c000-0000-7000-8000-000000000999', channel: 'EMAIL', status: 'OPTED_IN', source: 'web' } },
      bearer(await tenant.tokenFor('partner')),
    );
    expect(partner.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('sends SMS through the HTTP provider and takes its signed delivery receipt through the gateway', async () => {
    const c = contactSnapshot({ firstName: 'Sam', lastName: 'Sms', phones: ['+4915100000001'] });
    await seedContacts(platform, nc, tenant.id, [c]);
    await optIn(call, [c.id], 'SMS');
    const segment = (await call(CREATE_SEGMENT, { input: { name: 'Sms', rule: { field: 'lastName', op: 'eq', value: 'Sms' } } }))
      .createSegment.segment;
    const campaign = (
      await call(CREATE_CAMPAIGN, {
        input: {
          name: 'Sms',
          segmentId: segment.id,
          channel: 'SMS',
          variants: [{ key: 'A', splitPercent: 100, text: 'Hi {{firstName}}, 10 % off today' }],
        },
      })
    ).createCampaign.campaign;
    await call(LAUNCH, { id: campaign.id });
    const [request] = await provider.waitForRequests(1, 15_000);
    expect(request.body).toMatchObject({ to: '+4915100000001', text: 'Hi Sam, 10 % off today' });
    await eventually(
      async () => (await call(CAMPAIGN, { id: campaign.id })).campaign.status,
      (s) => s === 'SENT',
    );
    const providerId = (request.reply.body as { id: string }).id;
    const forged = await provider.sendReceipt(
      `${gatewayUrl}/m/webhooks/receipts`,
      { id: providerId, status: 'DELIVERED' },
      { signWith: 'wrong-secret-0000' },
    );
    expect(forged.status).toBe(401);
    const receipt = await provider.sendReceipt(`${gatewayUrl}/m/webhooks/receipts`, { id: providerId, status: 'DELIVERED' });
    expect(receipt.status).toBe(200);
    const [message] = await marketingDb(platform).query(`SELECT status, delivered_at FROM messages WHERE contact_id = $1`, [c.id]);
    expect(message.status).toBe('DELIVERED');
    await probe.waitFor(
      `MARKETING_${process.env.NATS_STREAM_SUFFIX}`,
      `${process.env.NATS_SUBJECT_PREFIX}.marketing.message.delivered`,
      (e) => e.some((x) => (x.data as { contactId: string }).contactId === c.id),
    );
  });

  it('sends push to the device a contact registered', async () => {
    provider.reset();
    const c = contactSnapshot({ lastName: 'Pusher' });
    await seedContacts(platform, nc, tenant.id, [c]);
    await call(`mutation($input: RegisterPushDeviceInput!) { registerPushDevice(input: $input) }`, {
      input: { contactId: c.id, token: 'device-token-abc123', platform: 'ios' },
    });
    await optIn(call, [c.id], 'PUSH');
    const segment = (await call(CREATE_SEGMENT, { input: { name: 'Push', rule: { field: 'lastName', op: 'eq', value: 'Pusher' } } }))
      .createSegment.segment;
    const campaign = (
      await call(CREATE_CAMPAIGN, {
        input: {
          name: 'Push',
          segmentId: segment.id,
          channel: 'PUSH',
          variants: [{ key: 'A', splitPercent: 100, subject: 'Sale', text: 'Now on' }],
        },
      })
    ).createCampaign.campaign;
    await call(LAUNCH, { id: campaign.id });
    const [request] = await provider.waitForRequests(1, 15_000);
    expect(request.path).toBe('/push');
    expect(request.body).toMatchObject({ to: 'device-token-abc123', title: 'Sale', text: 'Now on' });
  });

  it('rebuilds the read model from the streams after it was dropped', async () => {
    const db = marketingDb(platform);
    const snapshot = async () =>
      db.query(
        `SELECT id, merged_into, first_name, last_name, email, tier, clv::text, tier_changed_at, churn_band, churn_risk, churn_changed_at,
                open_complaints, orders_count
           FROM contacts WHERE tenant_id = $1 ORDER BY id`,
        [tenant.id],
      );
    const [a, b, c] = [
      contactSnapshot({ lastName: 'ReplayA', emails: ['ra@example.com'] }),
      contactSnapshot({ lastName: 'ReplayB' }),
      contactSnapshot({ lastName: 'ReplayC' }),
    ];
    await seedContacts(platform, nc, tenant.id, [a, b, c]);
    await publish(nc, event(tenant.id, CONTACT_MERGED, a.id, { survivorId: a.id, mergedIds: [b.id], mergeId: randomUUID() }));
    await publish(
      nc,
      event(tenant.id, CUSTOMER_TIER_CHANGED, a.id, {
        contactId: a.id,
        previousTier: null,
        tier: 'gold',
        clv: { amount: '1.00', currency: 'EUR' },
      }),
    );
    // A later scoring moved only the CLV and churn risk.
    await publish(
      nc,
      event(tenant.id, CUSTOMER_VALUE_CHANGED, a.id, {
        contactId: a.id,
        clv: { amount: '2.00', currency: 'EUR' },
        tier: 'gold',
        churnBand: 'LOW',
        churnRisk: 0.2,
        pAlive: 0.8,
        asOf: new Date().toISOString(),
      }),
    );
    await eventually(
      async () => (await db.query(`SELECT tier, clv::text FROM contacts WHERE id = $1`, [a.id]))[0],
      (r) => r?.tier === 'gold' && r?.clv === '2.0000',
    );
    await eventually(
      async () => (await db.query(`SELECT merged_into FROM contacts WHERE id = $1`, [b.id]))[0]?.merged_into,
      (m) => m === a.id,
    );
    await optIn(call, [a.id]);
    const before = await snapshot();
    expect(before.length).toBeGreaterThanOrEqual(3);
    await db.query(`DELETE FROM contacts WHERE tenant_id = $1`, [tenant.id]);
    const admin = gatewayClient(platform, await tenant.tokenFor('admin'));
    const started = (await admin(`mutation { replayReadModel { id status } }`)).replayReadModel;
    const replay = await eventually(
      async () =>
        (await admin(`query($id: ID!) { readModelReplay(id: $id) { status eventsApplied failure } }`, { id: started.id })).readModelReplay,
      (r) => r.status !== 'RUNNING',
      60_000,
    );
    expect(replay).toMatchObject({ status: 'DONE', failure: null });
    expect(replay.eventsApplied).toBeGreaterThanOrEqual(before.length);
    expect(await snapshot()).toEqual(before);
    // Consent is marketing's own record: untouched by the replay.
    const consents = await db.query(`SELECT count(*)::int AS n FROM consents WHERE tenant_id = $1`, [tenant.id]);
    expect(consents[0].n).toBeGreaterThan(0);
  });
});
