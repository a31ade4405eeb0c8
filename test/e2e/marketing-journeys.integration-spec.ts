import { SmtpSink } from '@rapport/channels/testing';
import {
  CART_ABANDONED,
  CASE_OPENED,
  CASE_RESOLVED,
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_RFM_CHANGED,
  CUSTOMER_TIER_CHANGED,
  ORDER_RECORDED,
  type CaseSnapshotV1,
} from '@rapport/contracts';
import { randomUUID } from 'node:crypto';
import { graphql } from '@rapport/testing';
import type { NatsConnection } from 'nats';
import type { Platform, TestTenant } from '../harness/platform';
import {
  contactSnapshot,
  event,
  eventually,
  gatewayClient,
  marketingDb,
  optIn,
  publish,
  seedContacts,
  startMarketingRig,
  type MarketingRig,
} from '../harness/marketing-fixtures';

const CREATE_JOURNEY = `mutation($input: CreateJourneyInput!) { createJourney(input: $input) { journey { id status trigger { event } } } }`;
const SET_STATUS = `mutation($id: ID!, $status: JourneyStatus!) { setJourneyStatus(id: $id, status: $status) { id status } }`;
const ENROLLMENTS = `query($id: ID!) { journeyEnrollments(journeyId: $id) { totalCount edges { node { status currentStep exitReason pauseReason contact { id } history { stepKey outcome } } } } }`;

function complaint(contactId: string, status: CaseSnapshotV1['status'], id: string): CaseSnapshotV1 {
  const now = new Date().toISOString();
  return {
    id,
    contactId,
    accountId: null,
    subject: 'Late delivery',
    channel: 'WEB',
    category: 'COMPLAINT',
    priority: 'NORMAL',
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

describe('journeys: event triggers, waits, conditions, sends, attributes, complaint pause (integration)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let sink: SmtpSink;
  let nc: NatsConnection;
  let call: ReturnType<typeof gatewayClient>;

  let rig: MarketingRig;

  beforeAll(async () => {
    rig = await startMarketingRig('journeys');
    ({ platform, tenant, sink, nc, call } = rig);
  });

  afterAll(() => rig?.stop());

  const runsOf = async (journeyId: string) =>
    (await call(ENROLLMENTS, { id: journeyId })).journeyEnrollments.edges.map((e: { node: unknown }) => e.node);

  it('reminds about an abandoned cart after the wait unless an order came in', async () => {
    const [waits, buys] = [
      contactSnapshot({
        firstName: 'Wes',
        lastName: 'Waits',
        emails: ['waits@example.com'],
        externalIds: [{ source: 'shop', key: 'W-1' }],
      }),
      contactSnapshot({ firstName: 'Bea', lastName: 'Buys', emails: ['buys@example.com'] }),
    ];
    await seedContacts(platform, nc, tenant.id, [waits, buys]);
    await optIn(call, [waits.id, buys.id]);
    const journey = (
      await call(CREATE_JOURNEY, {
        input: {
          name: 'Cart reminder',
          trigger: { event: CART_ABANDONED },
          steps: [
            { key: 'wait', type: 'WAIT', wait: { seconds: 8 } },
            { key: 'no-order', type: 'CONDITION', condition: { field: 'ordersSinceEntry', op: 'eq', value: 0 }, ifFalse: 'exit' },
            {
              key: 'remind',
              type: 'SEND',
              send: { channel: 'EMAIL', subject: 'You left something, {{firstName}}', text: 'Your cart is waiting.' },
            },
          ],
        },
      })
    ).createJourney.journey;

    const abandoned = (cart: string, data: Record<string, unknown>) =>
      publish(
        nc,
        event(tenant.id, CART_ABANDONED, cart, {
          source: 'shop',
          cartId: cart,
          abandonedAt: new Date().toISOString(),
          value: '80.00',
          currency: 'EUR',
          ...data,
        }),
      );
    await abandoned('cart-1', { externalCustomer: { source: 'shop', key: 'W-1' } });
    await abandoned('cart-2', { contactId: buys.id });
    await eventually(
      () => runsOf(journey.id),
      (runs) => runs.length === 2,
    );
    // Bea orders during the wait (as analytics reports it). The journey is held
    // until marketing has recorded the order, so a slow consumer on a loaded
    // machine cannot let the wait run out first; held runs keep their place.
    await call(SET_STATUS, { id: journey.id, status: 'PAUSED' });
    const orderId = randomUUID();
    await publish(
      nc,
      event(tenant.id, ORDER_RECORDED, orderId, {
        orderId,
        source: 'shop',
        externalOrderId: 'O-1',
        contactId: buys.id,
        occurredAt: new Date().toISOString(),
        amount: '80.00',
        currency: 'EUR',
        status: 'PLACED',
        channel: 'web',
        change: 'CREATED',
      }),
    );
    await eventually(
      async () =>
        (
          await marketingDb(platform).query(`SELECT count(*)::int AS n FROM contact_orders WHERE tenant_id = $1 AND order_id = $2`, [
            tenant.id,
            orderId,
          ])
        )[0].n as number,
      (n) => n === 1,
    );
    await call(SET_STATUS, { id: journey.id, status: 'ACTIVE' });
    const mail = await sink.waitForMessageTo('waits@example.com', 45_000);
    expect(mail.parsed.subject).toBe('You left something, Wes');
    const runs = await eventually(
      () => runsOf(journey.id),
      (list) => list.every((r: { status: string }) => r.status !== 'ACTIVE'),
    );
    const byContact = new Map(runs.map((r: { contact: { id: string } }) => [r.contact.id, r]));
    expect(byContact.get(waits.id)).toMatchObject({ status: 'COMPLETED' });
    expect(byContact.get(buys.id)).toMatchObject({ status: 'EXITED', exitReason: 'CONDITION:no-order' });
    expect(sink.messages.map((m) => m.envelope.to[0])).not.toContain('buys@example.com');
    // Each step job's run is audited once, by the system: the steps it took, down to how the run ended.
    const audited: { contact: string; actor: string; steps: string[] }[] = await marketingDb(platform).query(
      `SELECT je.contact_id AS contact, o.envelope->'actor'->>'kind' AS actor, o.envelope->'data'->'details'->'steps' AS steps
         FROM outbox o JOIN journey_enrollments je ON je.id::text = o.envelope->'data'->>'objectId'
        WHERE o.type = 'marketing.audit.recorded' AND o.envelope->'data'->>'action' = 'journey.steps' AND je.journey_id = $1
        ORDER BY o.created_at, o.id`,
      [journey.id],
    );
    expect(audited.every((a) => a.actor === 'system')).toBe(true);
    expect(audited.filter((a) => a.contact === waits.id).flatMap((a) => a.steps)).toContain('COMPLETED');
    expect(audited.filter((a) => a.contact === buys.id).flatMap((a) => a.steps)).toContain('EXITED:CONDITION:no-order');

    // The same cart event again (a redelivery or a partner's retry) does not start a second run.
    await abandoned('cart-1', { externalCustomer: { source: 'shop', key: 'W-1' } });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await runsOf(journey.id)).length).toBe(2);
  });

  it('offers retention to gold-and-better customers whose churn risk turns high, and marks them', async () => {
    const [gold, silver] = [
      contactSnapshot({ lastName: 'Gold', emails: ['gold@example.com'] }),
      contactSnapshot({ lastName: 'Silver', emails: ['silver@example.com'] }),
    ];
    await seedContacts(platform, nc, tenant.id, [gold, silver]);
    await optIn(call, [gold.id, silver.id]);
    for (const [c, tier] of [
      [gold, 'gold'],
      [silver, 'silver'],
    ] as const) {
      await publish(
        nc,
        event(tenant.id, CUSTOMER_TIER_CHANGED, c.id, {
          contactId: c.id,
          previousTier: null,
          tier,
          clv: { amount: '500.00', currency: 'EUR' },
        }),
      );
    }
    await eventually(
      async () =>
        (
          await marketingDb(platform).query(`SELECT count(*)::int AS n FROM contacts WHERE id = ANY($1::uuid[]) AND tier IS NOT NULL`, [
            [gold.id, silver.id],
          ])
        )[0].n,
      (n) => n === 2,
    );
    const journey = (
      await call(CREATE_JOURNEY, {
        input: {
          name: 'Win back',
          trigger: {
            event: CUSTOMER_CHURN_RISK_CHANGED,
            condition: {
              and: [
                { field: 'event.band', op: 'eq', value: 'HIGH' },
                { field: 'tier', op: 'gte', value: 'gold' },
              ],
            },
          },
          steps: [
            { key: 'offer', type: 'SEND', send: { channel: 'EMAIL', subject: 'We miss you', text: '20 % off your next order' } },
            { key: 'mark', type: 'UPDATE_ATTRIBUTE', attribute: { key: 'winback_offer', value: true } },
          ],
        },
      })
    ).createJourney.journey;
    for (const c of [gold, silver]) {
      await publish(
        nc,
        event(tenant.id, CUSTOMER_CHURN_RISK_CHANGED, c.id, { contactId: c.id, previousBand: 'LOW', band: 'HIGH', churnRisk: 0.8 }),
      );
    }
    expect((await sink.waitForMessageTo('gold@example.com', 45_000)).parsed.subject).toBe('We miss you');
    await eventually(
      async () => (await marketingDb(platform).query(`SELECT attributes FROM contacts WHERE id = $1`, [gold.id]))[0].attributes,
      (a) => a.winback_offer === true,
    );
    const runs = await runsOf(journey.id);
    expect(runs).toHaveLength(1);
    expect(runs[0].contact.id).toBe(gold.id);
    // A rule can now select the marked customers.
    const preview = await call(`query($rule: JSON!) { previewSegment(rule: $rule) { count sample { id } } }`, {
      rule: { field: 'attributes.winback_offer', op: 'eq', value: true },
    });
    expect(preview.previewSegment).toEqual({ count: 1, sample: [{ id: gold.id }] });
  });

  it('pauses a marketing journey while the contact has an open complaint and resumes it after resolution', async () => {
    const c = contactSnapshot({ lastName: 'Upset', emails: ['upset@example.com'] });
    await seedContacts(platform, nc, tenant.id, [c]);
    await optIn(call, [c.id]);
    const journey = (
      await call(CREATE_JOURNEY, {
        input: {
          name: 'Nurture',
          trigger: { event: CUSTOMER_TIER_CHANGED },
          steps: [
            { key: 'wait', type: 'WAIT', wait: { seconds: 6 } },
            { key: 'hello', type: 'SEND', send: { channel: 'EMAIL', subject: 'Something for you', text: 'x' } },
          ],
        },
      })
    ).createJourney.journey;
    await publish(
      nc,
      event(tenant.id, CUSTOMER_TIER_CHANGED, c.id, {
        contactId: c.id,
        previousTier: null,
        tier: 'bronze',
        clv: { amount: '10.00', currency: 'EUR' },
      }),
    );
    await eventually(
      () => runsOf(journey.id),
      (runs) => runs.length === 1,
    );
    const caseId = randomUUID();
    await publish(nc, event(tenant.id, CASE_OPENED, caseId, { case: complaint(c.id, 'NEW', caseId) }));
    const paused = await eventually(
      () => runsOf(journey.id),
      (runs) => runs[0].status === 'PAUSED',
    );
    expect(paused[0].pauseReason).toBe('OPEN_COMPLAINT');
    await new Promise((r) => setTimeout(r, 7000)); // the wait is over, but nothing goes out during the complaint
    expect(sink.messages.map((m) => m.envelope.to[0])).not.toContain('upset@example.com');
    await publish(
      nc,
      event(tenant.id, CASE_RESOLVED, caseId, { case: complaint(c.id, 'RESOLVED', caseId), resolvedAt: new Date().toISOString() }),
    );
    expect((await sink.waitForMessageTo('upset@example.com', 45_000)).parsed.subject).toBe('Something for you');
    const [run] = await eventually(
      () => runsOf(journey.id),
      (runs) => runs[0].status === 'COMPLETED',
    );
    expect(run.history.map((h: { stepKey: string; outcome: string }) => `${h.stepKey}:${h.outcome}`)).toEqual([
      'wait:WAITED',
      'hello:SENT',
    ]);
  });

  it('lets a contact in again only as the re-entry rule says', async () => {
    const c = contactSnapshot({ lastName: 'Again', emails: ['again@example.com'] });
    await seedContacts(platform, nc, tenant.id, [c]);
    const journey = (reentry: string, name: string) =>
      call(CREATE_JOURNEY, {
        input: {
          name,
          reentry,
          trigger: { event: CUSTOMER_RFM_CHANGED },
          steps: [{ key: 'mark', type: 'UPDATE_ATTRIBUTE', attribute: { key: name, value: true } }],
        },
      }).then((r) => r.createJourney.journey);
    const [never, afterExit] = [await journey('NEVER', 'never'), await journey('AFTER_EXIT', 'after_exit')];
    const rfm = (score: string) =>
      publish(
        nc,
        event(tenant.id, CUSTOMER_RFM_CHANGED, c.id, {
          contactId: c.id,
          previousSegmentKey: null,
          segmentKey: 'champions',
          segmentName: 'Champions',
          score,
          recencyDays: 1,
          frequency: 5,
          monetary: '100.00',
          currency: 'EUR',
          asOf: new Date().toISOString(),
        }),
      );
    await rfm('555');
    await eventually(
      () => runsOf(afterExit.id),
      (runs) => runs.length === 1 && runs[0].status === 'COMPLETED',
    );
    await rfm('554');
    await eventually(
      () => runsOf(afterExit.id),
      (runs) => runs.length === 2 && runs.every((r: { status: string }) => r.status === 'COMPLETED'),
    );
    expect(await runsOf(never.id)).toHaveLength(1);
  });

  it('refuses a journey whose steps are wrong, naming the step', async () => {
    const headers = { authorization: `Bearer ${await tenant.tokenFor('marketer')}` };
    const create = (steps: unknown[]) =>
      graphql(platform.graphqlUrl, CREATE_JOURNEY, { input: { name: 'Broken', trigger: { event: CART_ABANDONED }, steps } }, headers);
    const badTemplate = await create([{ key: 'b', type: 'SEND', send: { channel: 'EMAIL', subject: 'x', text: 'Hi {{nope}}' } }]);
    expect(badTemplate.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.steps[0].send.text' });
    expect(badTemplate.errors?.[0].message).toMatch(/unknown variable \{\{nope\}\}/);
    const loop = await create([
      { key: 'a', type: 'CONDITION', condition: { field: 'tier', op: 'eq', value: 'gold' }, ifTrue: 'b', ifFalse: 'a' },
      { key: 'b', type: 'SEND', send: { channel: 'EMAIL', subject: 'x', text: 'x' } },
    ]);
    expect(loop.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.steps[0]' });
    expect(loop.errors?.[0].message).toMatch(/a → a loop without a WAIT/);
    const badRule = await create([{ key: 'a', type: 'CONDITION', condition: { field: 'tier', op: 'gte', value: 'diamond' } }]);
    expect(badRule.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(String(badRule.errors?.[0].extensions?.field)).toMatch(/^input\.steps\[0\]\.condition/);
    const unknownTarget = await create([{ key: 'a', type: 'WAIT', wait: { seconds: 5 }, next: 'nowhere' }]);
    expect(unknownTarget.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.steps[0].next' });
  });
});
