import { CART_ABANDONED } from '@rapport/contracts';
import {
  createRapportClient,
  CreateApiKeyDocument,
  RecordCommerceEventsDocument,
  type CommerceEventInput,
  type RapportClient,
  type RecordCommerceEventsMutation,
} from '@rapport/sdk';
import type { NatsConnection } from 'nats';
import type { Platform, TestTenant } from '../harness/platform';
import {
  contactSnapshot,
  eventually,
  marketingDb,
  optIn,
  seedContacts,
  startMarketingRig,
  type MarketingRig,
} from '../harness/marketing-fixtures';
import type { StreamProbe } from '@rapport/testing';

const CREATE_JOURNEY = `mutation($input: CreateJourneyInput!) { createJourney(input: $input) { journey { id } } }`;
const SET_STATUS = `mutation($id: ID!, $status: JourneyStatus!) { setJourneyStatus(id: $id, status: $status) { id status } }`;
const ENROLLMENTS = `query($id: ID!) { journeyEnrollments(journeyId: $id) { edges { node { status exitReason contact { id } } } } }`;

// Platform start-up and waits for background work on a loaded 2-core machine.
jest.setTimeout(240_000);

describe('shop events through the API: recordCommerceEvents with a partner key drives the cart journey (e2e)', () => {
  let rig: MarketingRig;
  let platform: Platform;
  let tenant: TestTenant;
  let nc: NatsConnection;
  let probe: StreamProbe;
  /** The tenant admin and the shop, as a partner's code would reach the API: through @rapport/sdk. */
  let admin: RapportClient;
  let shop: RapportClient;

  beforeAll(async () => {
    rig = await startMarketingRig('commerce');
    ({ platform, tenant, nc, probe } = rig);
    admin = createRapportClient({ url: platform.graphqlUrl, token: await tenant.tokenFor('admin') });
    const key = await admin.request(CreateApiKeyDocument, { input: { name: 'webshop', scopes: ['commerce:write'] } });
    shop = createRapportClient({ url: platform.graphqlUrl, apiKey: key.createApiKey.secret });
  });

  afterAll(() => rig?.stop());

  const record = async (events: CommerceEventInput[], as = shop): Promise<RecordCommerceEventsMutation['recordCommerceEvents']> =>
    (await as.request(RecordCommerceEventsDocument, { input: { events } })).recordCommerceEvents;
  const runsOf = async (journeyId: string) =>
    (await rig.call(ENROLLMENTS, { id: journeyId })).journeyEnrollments.edges.map((e: { node: unknown }) => e.node);
  const cartEvents = async (eventId: string) =>
    (await probe.events(`COMMERCE_${process.env.NATS_STREAM_SUFFIX}`, `${process.env.NATS_SUBJECT_PREFIX}.${CART_ABANDONED}`)).filter(
      (e) => e.tenantId === tenant.id && (e.data as { eventId?: string }).eventId === eventId,
    );

  it('reminds with the cart lines unless an order.placed follows; a repeated event id is answered DUPLICATE and published once', async () => {
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
    await optIn(rig.call, [waits.id, buys.id]);
    const journey = (
      await rig.call(CREATE_JOURNEY, {
        input: {
          name: 'Cart reminder',
          trigger: { event: CART_ABANDONED },
          steps: [
            { key: 'wait', type: 'WAIT', wait: { seconds: 8 } },
            { key: 'no-order', type: 'CONDITION', condition: { field: 'ordersSinceEntry', op: 'eq', value: 0 }, ifFalse: 'exit' },
            {
              key: 'remind',
              type: 'SEND',
              send: {
                channel: 'EMAIL',
                subject: 'You left something, {{firstName}}',
                text: 'Your cart ({{cart.value}} {{cart.currency}}):{{#cart.lines}}\n{{quantity}} x {{name}} at {{unitPrice}}{{/cart.lines}}',
              },
            },
          ],
        },
      })
    ).createJourney.journey;

    const abandoned = (eventId: string, customer: Record<string, unknown>) => ({
      eventId,
      type: 'cart.abandoned',
      source: 'shop',
      occurredAt: new Date().toISOString(),
      ...customer,
      cart: {
        cartId: `cart-${eventId}`,
        value: '80.00',
        currency: 'EUR',
        lines: [
          { sku: 'TEA-1', name: 'Green tea', quantity: '2', unitPrice: '30.00' },
          { sku: 'MUG-1', name: 'Mug', quantity: '1', unitPrice: '20' },
        ],
      },
    });
    const first = await record([
      abandoned('ev-1', { externalCustomer: { source: 'shop', key: 'W-1' } }),
      abandoned('ev-2', { contactId: buys.id }),
      {
        ...abandoned('ev-3', { contactId: buys.id }),
        cart: { cartId: 'c', currency: 'EUR', lines: [{ sku: 'X', quantity: 'two', unitPrice: '1' }] },
      },
    ]);
    expect(first).toMatchObject({ recorded: 2, duplicates: 0, rejected: 1 });
    expect(first.results.map((r) => r.status)).toEqual(['RECORDED', 'RECORDED', 'REJECTED']);
    expect(first.results[2].error).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.events[2].cart.lines[0].quantity',
    });

    await eventually(
      () => runsOf(journey.id),
      (runs) => runs.length === 2,
    );
    // Bea orders during the wait, as the shop reports it through the same mutation. The
    // journey is held until marketing has the order (as analytics announces it), so a slow
    // consumer on a loaded machine cannot let the wait run out first.
    await rig.call(SET_STATUS, { id: journey.id, status: 'PAUSED' });
    const placed = await record([
      {
        eventId: 'ev-4',
        type: 'order.placed',
        source: 'shop',
        occurredAt: new Date().toISOString(),
        contactId: buys.id,
        order: { externalOrderId: 'O-1', amount: '80.00', currency: 'EUR', lines: [{ sku: 'TEA-1', quantity: '2', unitPrice: '30.00' }] },
      },
    ]);
    const orderResult = placed.results[0];
    expect(orderResult).toMatchObject({ status: 'RECORDED', type: 'order.placed' });
    expect(orderResult.orderId).toEqual(expect.any(String));
    await eventually(
      async () =>
        (
          await marketingDb(platform).query(`SELECT count(*)::int AS n FROM contact_orders WHERE tenant_id = $1 AND order_id = $2`, [
            tenant.id,
            orderResult.orderId,
          ])
        )[0].n as number,
      (n) => n === 1,
    );
    await rig.call(SET_STATUS, { id: journey.id, status: 'ACTIVE' });

    const mail = await rig.sink.waitForMessageTo('waits@example.com', 60_000);
    expect(mail.parsed.subject).toBe('You left something, Wes');
    expect(mail.parsed.text).toContain('Your cart (80.00 EUR):\n2 x Green tea at 30.00\n1 x Mug at 20.00');
    const runs = await eventually(
      () => runsOf(journey.id),
      (list) => list.every((r: { status: string }) => r.status !== 'ACTIVE'),
    );
    const byContact = new Map(runs.map((r: { contact: { id: string } }) => [r.contact.id, r]));
    expect(byContact.get(waits.id)).toMatchObject({ status: 'COMPLETED' });
    expect(byContact.get(buys.id)).toMatchObject({ status: 'EXITED', exitReason: 'CONDITION:no-order' });
    expect(rig.sink.messages.map((m) => m.envelope.to[0])).not.toContain('buys@example.com');

    // The shop retries the first event (a lost response): already recorded, not published again.
    const again = await record([abandoned('ev-1', { externalCustomer: { source: 'shop', key: 'W-1' } })]);
    expect(again).toMatchObject({ recorded: 0, duplicates: 1, rejected: 0 });
    expect(again.results[0]).toMatchObject({ eventId: 'ev-1', status: 'DUPLICATE', error: null });
    // The repaired third event is recorded: a rejection leaves no receipt behind.
    const repaired = await record([abandoned('ev-3', { contactId: buys.id })]);
    expect(repaired.results[0].status).toBe('RECORDED');
    await eventually(
      () => cartEvents('ev-3'),
      (events) => events.length === 1,
    );
    // ev-1 was published before ev-3; had the retry been published, it would be on the stream by now.
    expect(await cartEvents('ev-1')).toHaveLength(1);
    // The journey's rules decide about the repeated cart; no second reminder for ev-1.
    expect(rig.sink.messages.filter((m) => m.envelope.to[0] === 'waits@example.com')).toHaveLength(1);
  });

  it('refuses keys without commerce:write, and malformed requests as a whole with BAD_USER_INPUT', async () => {
    const other = await admin.request(CreateApiKeyDocument, { input: { name: 'erp', scopes: ['orders:write'] } });
    const erp = createRapportClient({ url: platform.graphqlUrl, apiKey: other.createApiKey.secret });
    const event = {
      eventId: 'x',
      type: 'page.viewed',
      source: 'shop',
      occurredAt: new Date().toISOString(),
      contactId: null,
      page: { url: 'https://shop.test/' },
    };
    await expect(record([event], erp)).rejects.toMatchObject({ name: 'RapportError', code: 'FORBIDDEN' });
    await expect(record(Array.from({ length: 501 }, (_, i) => ({ ...event, eventId: `x-${i}` })))).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.events',
    });
  });
});
