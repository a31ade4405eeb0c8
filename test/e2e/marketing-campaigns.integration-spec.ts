import { CASE_OPENED, CASE_RESOLVED, CUSTOMER_TIER_CHANGED, type CaseSnapshotV1 } from '@rapport/contracts';
import { SmtpSink } from '@rapport/channels/testing';
import { StreamProbe } from '@rapport/testing';
import type { NatsConnection } from 'nats';
import type { Platform, TestTenant } from '../harness/platform';
import {
  CAMPAIGN,
  contactSnapshot,
  CREATE_CAMPAIGN,
  CREATE_SEGMENT,
  event,
  eventually,
  gatewayClient,
  LAUNCH,
  marketingDb,
  optIn,
  publish,
  seedContacts,
  startMarketingRig,
  type MarketingRig,
} from '../harness/marketing-fixtures';

const count = (list: { key: string; count: number }[], key: string) => list.find((e) => e.key === key)?.count ?? 0;

function caseSnapshot(contactId: string, status: CaseSnapshotV1['status']): CaseSnapshotV1 {
  const now = new Date().toISOString();
  return {
    id: '0190b000-0000-7000-8000-00000000c0de',
    contactId,
    accountId: null,
    subject: 'Broken on arrival',
    channel: 'EMAIL',
    category: 'COMPLAINT',
    priority: 'HIGH',
    status,
    ownerId: null,
    queueId: null,
    tier: null,
    createdAt: now,
    updatedAt: now,
  };
}

// Platform start-up and waits for background work on a loaded 2-core machine.
jest.setTimeout(180_000);

describe('campaigns: audience, consent at send time, A/B split and control, complaints, links (integration)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let sink: SmtpSink;
  let nc: NatsConnection;
  let probe: StreamProbe;
  let call: ReturnType<typeof gatewayClient>;
  let gatewayUrl: string;

  let rig: MarketingRig;

  beforeAll(async () => {
    rig = await startMarketingRig('mkt', { MARKETING_SEND_BATCH_SIZE: '50' });
    ({ platform, tenant, sink, nc, probe, call, gatewayUrl } = rig);
  });

  afterAll(() => rig?.stop());

  async function launchAndFinish(campaignId: string) {
    const launched = await call(LAUNCH, { id: campaignId });
    expect(launched.launchCampaign.campaign.status).toBe('SENDING');
    return eventually(
      async () => (await call(CAMPAIGN, { id: campaignId })).campaign,
      (c) => c.status === 'SENT',
      30_000,
    );
  }

  it('sends an A/B test with a control group to the consented part of a segment, each contact once', async () => {
    const contacts = Array.from({ length: 400 }, (_, i) =>
      // Names carry markup: the HTML body must escape it, the text body keep it as it is.
      contactSnapshot({ firstName: `<b>F${i}</b> & co`, lastName: `Split${i}`, emails: [`split${i}@example.com`] }),
    );
    await seedContacts(platform, nc, tenant.id, contacts);
    // Half are platinum customers (analytics' tier events), and 300 of all opted in.
    for (const c of contacts.slice(0, 200)) {
      await publish(
        nc,
        event(tenant.id, CUSTOMER_TIER_CHANGED, c.id, {
          contactId: c.id,
          previousTier: null,
          tier: 'platinum',
          clv: { amount: '900.00', currency: 'EUR' },
        }),
      );
    }
    await eventually(
      async () =>
        (
          await marketingDb(platform).query(`SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1 AND tier = 'platinum'`, [
            tenant.id,
          ])
        )[0].n,
      (n) => n === 200,
    );
    await optIn(
      call,
      contacts.slice(0, 150).map((c) => c.id),
    );
    await optIn(
      call,
      contacts.slice(200, 350).map((c) => c.id),
    );

    const segment = (
      await call(CREATE_SEGMENT, {
        input: {
          name: 'Platinum',
          rule: {
            and: [
              { field: 'tier', op: 'eq', value: 'platinum' },
              { field: 'hasOpenComplaint', op: 'eq', value: false },
            ],
          },
        },
      })
    ).createSegment.segment;
    expect(segment.memberCount).toBe(200);

    const campaign = (
      await call(CREATE_CAMPAIGN, {
        input: {
          name: 'Winter offer',
          segmentId: segment.id,
          channel: 'EMAIL',
          controlPercent: 20,
          variants: [
            {
              key: 'A',
              splitPercent: 50,
              subject: 'Hi {{firstName}}',
              text: 'Offer A for {{firstName}}',
              html: '<p>Offer A for {{firstName}}</p><a href="https://shop.example.com/a">Shop</a>',
            },
            {
              key: 'B',
              splitPercent: 50,
              subject: 'Hello {{firstName}}',
              text: 'Offer B for {{firstName}}',
              html: '<p>Offer B for {{firstName}}</p>',
            },
          ],
        },
      })
    ).createCampaign.campaign;
    const done = await launchAndFinish(campaign.id);

    // 200 platinum, of whom 150 consented: 50 excluded for consent; the 150 split into control and variants.
    expect(count(done.audience.excluded, 'NO_CONSENT')).toBe(50);
    expect(done.audience.total).toBe(150);
    const control = count(done.audience.byGroup, 'CONTROL');
    const sent = count(done.audience.byStatus, 'SENT');
    expect(control + sent).toBe(150);
    expect(control).toBeGreaterThan(15); // 20 % of 150 = 30; a hash split, so within a wide band
    expect(control).toBeLessThan(48);

    const mails = await sink.waitForMessages(sent, 10_000);
    const recipients = mails.map((m) => m.envelope.to[0]);
    expect(new Set(recipients).size).toBe(recipients.length);
    expect(recipients.every((r) => Number(/split(\d+)@/.exec(r)![1]) < 150)).toBe(true);
    const a = mails.filter((m) => m.parsed.subject?.startsWith('Hi ')).length;
    expect(a + mails.filter((m) => m.parsed.subject?.startsWith('Hello ')).length).toBe(sent);
    expect(Math.abs(a - sent / 2)).toBeLessThan(sent * 0.25);

    for (const mail of mails) {
      const i = /split(\d+)@/.exec(mail.envelope.to[0])![1];
      expect(mail.parsed.html).toContain(`&lt;b&gt;F${i}&lt;&#x2F;b&gt; &amp; co`);
      expect(mail.parsed.html).not.toContain(`<b>F${i}</b>`);
      expect(mail.parsed.text).toContain(`<b>F${i}</b> & co`);
    }
    const withLink = mails.find((m) => m.parsed.subject?.startsWith('Hi '))!;
    expect(withLink.header('list-unsubscribe')).toContain(`${gatewayUrl}/m/u/`);
    expect(String(withLink.parsed.html)).toContain(`${gatewayUrl}/m/c/`);
    expect(String(withLink.parsed.html)).not.toContain('href="https://shop.example.com/a"');

    const sentEvents = await probe.waitFor(
      `MARKETING_${process.env.NATS_STREAM_SUFFIX}`,
      `${process.env.NATS_SUBJECT_PREFIX}.marketing.message.sent`,
      (e) => e.filter((x) => (x.data as { campaignId: string }).campaignId === campaign.id).length === sent,
    );
    expect(sentEvents.length).toBeGreaterThanOrEqual(sent);
  });

  it('follows an unsubscribe link through the gateway without login, and tracks opens and clicks', async () => {
    sink.reset();
    const [c] = [contactSnapshot({ lastName: 'Links', emails: ['links@example.com'] })];
    await seedContacts(platform, nc, tenant.id, [c]);
    await optIn(call, [c.id]);
    const segment = (
      await call(CREATE_SEGMENT, { input: { name: 'Links', rule: { field: 'email', op: 'eq', value: 'links@example.com' } } })
    ).createSegment.segment;
    const campaign = (
      await call(CREATE_CAMPAIGN, {
        input: {
          name: 'Links',
          segmentId: segment.id,
          channel: 'EMAIL',
          variants: [
            {
              key: 'A',
              splitPercent: 100,
              subject: 'S',
              text: 'T {{unsubscribeUrl}}',
              html: '<a href="https://shop.example.com/x?y=1">x</a>',
            },
          ],
        },
      })
    ).createCampaign.campaign;
    await launchAndFinish(campaign.id);
    const [mail] = await sink.waitForMessages(1);
    const html = String(mail.parsed.html);
    const click = /href="([^"]+\/m\/c\/[^"]+)"/.exec(html)![1].replace(/&amp;/g, '&');
    const pixel = /src="([^"]+\/m\/o\/[^"]+)"/.exec(html)![1];
    const unsubscribe = /<([^>]+)>/.exec(mail.header('list-unsubscribe')!)![1];

    const redirect = await fetch(click, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://shop.example.com/x?y=1');
    expect((await fetch(pixel)).headers.get('content-type')).toBe('image/gif');
    const tampered = await fetch(click.replace(/\/m\/c\/./, '/m/c/X'), { redirect: 'manual' });
    expect(tampered.status).toBe(400);

    expect((await fetch(unsubscribe)).status).toBe(200); // the page only offers the button
    const oneClick = await fetch(unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);

    const [row] = await marketingDb(platform).query(
      `SELECT status, source, proof FROM consents WHERE contact_id = $1 AND channel = 'EMAIL'`,
      [c.id],
    );
    expect(row).toMatchObject({ status: 'OPTED_OUT', source: 'unsubscribe-link' });
    expect(row.proof).toMatch(/^message:/);
    const [message] = await marketingDb(platform).query(`SELECT opens, clicks, unsubscribed_at FROM messages WHERE contact_id = $1`, [
      c.id,
    ]);
    expect(message.opens).toBeGreaterThanOrEqual(1);
    expect(message.clicks).toBe(1);
    expect(message.unsubscribed_at).not.toBeNull();
    // Posting the link again adds no second history row.
    const history = async () =>
      (await marketingDb(platform).query(`SELECT count(*)::int AS n FROM consent_history WHERE contact_id = $1`, [c.id]))[0].n as number;
    const before = await history();
    const again = await fetch(unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(again.status).toBe(200);
    expect(await history()).toBe(before);
    const stream = `MARKETING_${process.env.NATS_STREAM_SUFFIX}`;
    const prefix = process.env.NATS_SUBJECT_PREFIX;
    await probe.waitFor(stream, `${prefix}.marketing.consent.changed`, (e) =>
      e.some((x) => x.subjectId === c.id && (x.data as { status: string }).status === 'OPTED_OUT'),
    );
    await probe.waitFor(stream, `${prefix}.marketing.message.clicked`, (e) =>
      e.some((x) => (x.data as { contactId: string }).contactId === c.id),
    );
    await probe.waitFor(stream, `${prefix}.marketing.message.unsubscribed`, (e) =>
      e.some((x) => (x.data as { contactId: string }).contactId === c.id),
    );
  });

  it('leaves out a contact with an open complaint from a send that starts during it, and includes them after resolution', async () => {
    sink.reset();
    const c = contactSnapshot({ lastName: 'Complainer', emails: ['complainer@example.com'] });
    await seedContacts(platform, nc, tenant.id, [c]);
    await optIn(call, [c.id]);
    await publish(nc, event(tenant.id, CASE_OPENED, c.id, { case: caseSnapshot(c.id, 'NEW') }));
    await eventually(
      async () => (await marketingDb(platform).query(`SELECT open_complaints FROM contacts WHERE id = $1`, [c.id]))[0].open_complaints,
      (n) => n === 1,
    );

    const segment = (
      await call(CREATE_SEGMENT, { input: { name: 'Complainer', rule: { field: 'lastName', op: 'eq', value: 'Complainer' } } })
    ).createSegment.segment;
    const variants = [{ key: 'A', splitPercent: 100, subject: 'Buy more', text: 'Offer' }];
    const first = (await call(CREATE_CAMPAIGN, { input: { name: 'During', segmentId: segment.id, channel: 'EMAIL', variants } }))
      .createCampaign.campaign;
    const during = await launchAndFinish(first.id);
    expect(count(during.audience.excluded, 'OPEN_COMPLAINT')).toBe(1);
    expect(during.audience.total).toBe(0);

    await publish(
      nc,
      event(tenant.id, CASE_RESOLVED, c.id, { case: caseSnapshot(c.id, 'RESOLVED'), resolvedAt: new Date().toISOString() }),
    );
    await eventually(
      async () => (await marketingDb(platform).query(`SELECT open_complaints FROM contacts WHERE id = $1`, [c.id]))[0].open_complaints,
      (n) => n === 0,
    );
    const second = (await call(CREATE_CAMPAIGN, { input: { name: 'After', segmentId: segment.id, channel: 'EMAIL', variants } }))
      .createCampaign.campaign;
    const after = await launchAndFinish(second.id);
    expect(count(after.audience.byStatus, 'SENT')).toBe(1);
    expect((await sink.waitForMessageTo('complainer@example.com')).parsed.subject).toBe('Buy more');
  });

  it('checks consent again at send time: an opt-out after launch stops that message', async () => {
    sink.reset();
    const contacts = Array.from({ length: 6 }, (_, i) => contactSnapshot({ lastName: 'Late', emails: [`late${i}@example.com`] }));
    await seedContacts(platform, nc, tenant.id, contacts);
    await optIn(
      call,
      contacts.map((c) => c.id),
    );
    const segment = (await call(CREATE_SEGMENT, { input: { name: 'Late', rule: { field: 'lastName', op: 'eq', value: 'Late' } } }))
      .createSegment.segment;
    const campaign = (
      await call(CREATE_CAMPAIGN, {
        input: {
          name: 'Slow',
          segmentId: segment.id,
          channel: 'EMAIL',
          sendRatePerMinute: 60,
          variants: [{ key: 'A', splitPercent: 100, subject: 'Slow', text: 'x' }],
        },
      })
    ).createCampaign.campaign;
    await call(LAUNCH, { id: campaign.id });
    // The last recipient in send order opts out while the campaign is still sending (one message a second).
    const [last] = await marketingDb(platform).query(
      `SELECT contact_id FROM campaign_recipients WHERE campaign_id = $1 ORDER BY bucket DESC, contact_id DESC LIMIT 1`,
      [campaign.id],
    );
    await call(`mutation($input: SetConsentInput!) { setConsent(input: $input) { consent { status } } }`, {
      input: { contactId: last.contact_id, channel: 'EMAIL', status: 'OPTED_OUT', source: 'preference-center' },
    });
    const done = await eventually(
      async () => (await call(CAMPAIGN, { id: campaign.id })).campaign,
      (c) => c.status === 'SENT',
      30_000,
    );
    expect(count(done.audience.skipped, 'NO_CONSENT')).toBe(1);
    expect(count(done.audience.byStatus, 'SENT')).toBe(5);
    const lastEmail = contacts.find((c) => c.id === last.contact_id)!.emails[0];
    await sink.waitForMessages(5);
    expect(sink.messages.map((m) => m.envelope.to[0])).not.toContain(lastEmail);
  });

  it('launches a scheduled campaign at its time, drawing the audience as it is then', async () => {
    sink.reset();
    const [early, late] = [
      contactSnapshot({ lastName: 'Scheduled', emails: ['early@example.com'] }),
      contactSnapshot({ lastName: 'Scheduled', emails: ['late@example.com'] }),
    ];
    await seedContacts(platform, nc, tenant.id, [early, late]);
    await optIn(call, [early.id]);
    const segment = (
      await call(CREATE_SEGMENT, { input: { name: 'Scheduled', rule: { field: 'lastName', op: 'eq', value: 'Scheduled' } } })
    ).createSegment.segment;
    const campaign = (
      await call(CREATE_CAMPAIGN, {
        input: {
          name: 'Later',
          segmentId: segment.id,
          channel: 'EMAIL',
          scheduledAt: new Date(Date.now() + 4000).toISOString(),
          variants: [{ key: 'A', splitPercent: 100, subject: 'At last', text: 'x' }],
        },
      })
    ).createCampaign.campaign;
    expect((await call(LAUNCH, { id: campaign.id })).launchCampaign.campaign).toMatchObject({ status: 'SCHEDULED', audience: null });
    await optIn(call, [late.id]); // before its time: counts
    const done = await eventually(
      async () => (await call(CAMPAIGN, { id: campaign.id })).campaign,
      (c) => c.status === 'SENT',
    );
    expect(count(done.audience.byStatus, 'SENT')).toBe(2);
    expect((await sink.waitForMessages(2)).map((m) => m.envelope.to[0]).sort()).toEqual(['early@example.com', 'late@example.com']);
    // The job's changes are audited with the system as actor: the launch, and the whole send once, with its counts.
    const audit = await eventually(
      async () =>
        (await marketingDb(platform).query(
          `SELECT envelope->'data'->>'action' AS action, envelope->'actor'->>'kind' AS actor, envelope->'data'->'details' AS details
             FROM outbox WHERE type = 'marketing.audit.recorded' AND envelope->'data'->>'objectId' = $1 ORDER BY created_at, id`,
          [campaign.id],
        )) as { action: string; actor: string; details: Record<string, unknown> }[],
      (rows) => rows.some((r) => r.action === 'campaign.sent'),
    );
    expect(audit.filter((r) => r.actor === 'system')).toEqual([
      { action: 'campaign.launched', actor: 'system', details: { scheduled: true, batches: 1 } },
      { action: 'campaign.sent', actor: 'system', details: { recipients: { SENT: 2 } } },
    ]);
  });

  it('suppresses an address that bounces for good', async () => {
    sink.reset();
    const c = contactSnapshot({ lastName: 'Gone', emails: ['gone@example.com'] });
    await seedContacts(platform, nc, tenant.id, [c]);
    await optIn(call, [c.id]);
    sink.rejectRecipient('gone@example.com', 'permanent');
    const segment = (await call(CREATE_SEGMENT, { input: { name: 'Gone', rule: { field: 'lastName', op: 'eq', value: 'Gone' } } }))
      .createSegment.segment;
    const campaign = (
      await call(CREATE_CAMPAIGN, {
        input: {
          name: 'Bounce',
          segmentId: segment.id,
          channel: 'EMAIL',
          variants: [{ key: 'A', splitPercent: 100, subject: 'S', text: 'x' }],
        },
      })
    ).createCampaign.campaign;
    await launchAndFinish(campaign.id);
    const suppressions = await call(`{ suppressions(channel: EMAIL) { edges { node { address reason detail } } } }`);
    expect(suppressions.suppressions.edges.map((e: { node: { address: string; reason: string } }) => e.node)).toContainEqual(
      expect.objectContaining({ address: 'gone@example.com', reason: 'HARD_BOUNCE' }),
    );
    await probe.waitFor(
      `MARKETING_${process.env.NATS_STREAM_SUFFIX}`,
      `${process.env.NATS_SUBJECT_PREFIX}.marketing.message.bounced`,
      (e) => e.some((x) => (x.data as { contactId: string }).contactId === c.id),
    );
  });
});
