import { ORDER_PLACED, SYSTEM_ACTOR, type OrderV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { bearer, graphql, StreamProbe } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`;
const RECORD_ORDERS = `mutation($input: RecordOrdersInput!) {
  recordOrders(input: $input) { created updated unchanged rejected results { index outcome orderId error { field } } }
}`;
const ORDER_COUNT = `query($id: ID!) { orders(contactId: $id, first: 50) { totalCount edges { node { externalOrderId amount { amount currency } contact { id lastName } } } } }`;
const CONTACT_WITH_RFM = `query($id: ID!) {
  contact(id: $id) { lastName rfm { recency frequency r f m score segment monetary { amount currency } } }
}`;

const DAY = 86_400_000;
const started = Date.now();
const daysAgo = (n: number) => new Date(started - n * DAY).toISOString();

/** One gateway query shows a customer's sales data and its RFM, from orders recorded by a partner's API key and over NATS. */
describe('analytics through the gateway (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let analyst: string;
  let apiKey: string;
  let nc: NatsConnection;
  let probe: StreamProbe;
  const ids: Record<'ada' | 'bob', string> = { ada: '', bob: '' };

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'shop');
    const [admin, rep] = [await tenant.tokenFor('admin'), await tenant.tokenFor('sales_rep')];
    analyst = await tenant.tokenFor('analyst');
    const key = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          createApiKey(input: { name: "webshop", scopes: ["orders:write"] }) {
            secret
          }
        }
      `,
      {},
      bearer(admin),
    );
    apiKey = key.data!.createApiKey.secret;
    for (const [name, lastName, key] of [
      ['ada', 'Lovelace', 'A-1'],
      ['bob', 'Babbage', 'B-1'],
    ] as const) {
      const res = await graphql(
        platform.graphqlUrl,
        CREATE_CONTACT,
        { input: { lastName, emails: [`${name}@shop.test`], externalIds: [{ source: 'webshop', key }] } },
        bearer(rep),
      );
      expect(res.errors).toBeUndefined();
      ids[name] = res.data!.createContact.contact.id;
    }
    nc = await connect({ servers: process.env.NATS_URL });
    probe = await StreamProbe.connect();
  });

  afterAll(async () => {
    await probe?.close();
    await nc?.close();
    await platform?.stop();
  });

  const gql = (query: string, variables: Record<string, unknown>, token = analyst) =>
    graphql(platform.graphqlUrl, query, variables, bearer(token));

  /** The contact projection is fed by events, so an order may match a moment after it was recorded. */
  async function ordersOf(contactId: string, count: number) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await gql(ORDER_COUNT, { id: contactId });
      expect(res.errors).toBeUndefined();
      if (res.data!.orders.totalCount === count) return res.data!.orders;
      if (Date.now() > deadline) throw new Error(`expected ${count} orders for ${contactId}, have ${res.data!.orders.totalCount}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('records orders by external id with an orders:write API key, each order judged on its own', async () => {
    const order = (id: string, key: string, amount: string, when: string) => ({
      source: 'webshop',
      externalOrderId: id,
      externalCustomer: { source: 'webshop', key },
      occurredAt: when,
      amount,
      currency: 'EUR',
      channel: 'web',
    });
    const res = await graphql(
      platform.graphqlUrl,
      RECORD_ORDERS,
      {
        input: {
          orders: [
            order('W-1', 'A-1', '10.00', daysAgo(30)),
            order('W-2', 'A-1', '20.50', daysAgo(10)),
            order('W-3', 'A-1', '30.25', daysAgo(1)),
            order('W-4', 'B-1', '15.00', daysAgo(200)),
            order('W-5', 'B-1', 'lots', daysAgo(2)),
          ],
        },
      },
      { 'x-api-key': apiKey },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.recordOrders).toMatchObject({ created: 4, updated: 0, unchanged: 0, rejected: 1 });
    expect(res.data!.recordOrders.results[4]).toMatchObject({
      index: 4,
      outcome: 'REJECTED',
      orderId: null,
      error: { field: 'input.orders[4].amount' },
    });

    const again = await graphql(
      platform.graphqlUrl,
      RECORD_ORDERS,
      { input: { orders: [order('W-1', 'A-1', '10', daysAgo(30))] } },
      { 'x-api-key': apiKey },
    );
    expect(again.data!.recordOrders.results[0]).toMatchObject({ outcome: 'UNCHANGED', orderId: res.data!.recordOrders.results[0].orderId });

    const ada = await ordersOf(ids.ada, 3);
    expect(ada.edges.map((e: any) => e.node.externalOrderId)).toEqual(['W-3', 'W-2', 'W-1']);
    expect(ada.edges[0].node).toMatchObject({
      amount: { amount: '30.25', currency: 'EUR' },
      contact: { id: ids.ada, lastName: 'Lovelace' },
    });
    await ordersOf(ids.bob, 1);
  });

  it('runs an RFM recompute in the background: queued at once, then its run shows the counts', async () => {
    const started = await gql(`mutation { startRfmRecompute(input: { windowDays: 365 }) { id status } }`, {});
    expect(started.errors).toBeUndefined();
    expect(['QUEUED', 'RUNNING', 'SUCCEEDED']).toContain(started.data!.startRfmRecompute.status);
    const id = started.data!.startRfmRecompute.id as string;
    const deadline = Date.now() + 45_000;
    let run: { status: string; customersScored: number | null; error: string | null } | null = null;
    while (Date.now() < deadline) {
      run = (await gql(`query($id: ID) { rfmRecomputeRun(id: $id) { status customersScored error } }`, { id })).data!.rfmRecomputeRun;
      if (run && (run.status === 'SUCCEEDED' || run.status === 'FAILED')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(run).toMatchObject({ status: 'SUCCEEDED', customersScored: 2, error: null });
  });

  it('recomputes RFM and shows it on the sales contact in one query', async () => {
    const recomputed = await gql(`mutation { recomputeRfm(input: { windowDays: 365 }) { customersScored windowDays currency } }`, {});
    expect(recomputed.errors).toBeUndefined();
    expect(recomputed.data!.recomputeRfm).toEqual({ customersScored: 2, windowDays: 365, currency: 'EUR' });

    const ada = await gql(CONTACT_WITH_RFM, { id: ids.ada });
    expect(ada.errors).toBeUndefined();
    expect(ada.data!.contact).toEqual({
      lastName: 'Lovelace',
      rfm: {
        recency: 1,
        frequency: 3,
        r: 5,
        f: 5,
        m: 5,
        score: '555',
        segment: 'Champions',
        monetary: { amount: '60.75', currency: 'EUR' },
      },
    });
    const bob = await gql(CONTACT_WITH_RFM, { id: ids.bob });
    expect(bob.data!.contact.rfm).toMatchObject({
      recency: 200,
      r: 1,
      f: 1,
      m: 1,
      segment: 'Hibernating',
      monetary: { amount: '15.00', currency: 'EUR' },
    });

    const segments = await gql(`{ rfmSegments { key customers revenue { amount currency } } }`, {});
    const byKey = Object.fromEntries(segments.data!.rfmSegments.map((s: any) => [s.key, s]));
    expect(byKey.champions).toEqual({ key: 'champions', customers: 1, revenue: { amount: '60.75', currency: 'EUR' } });
    expect(byKey.hibernating.customers).toBe(1);
    expect(byKey.loyal).toEqual({ key: 'loyal', customers: 0, revenue: { amount: '0.00', currency: 'EUR' } });

    const announced = await probe.waitFor(
      `ANALYTICS_${process.env.NATS_STREAM_SUFFIX}`,
      `${process.env.NATS_SUBJECT_PREFIX}.analytics.rfm.recomputed`,
      (evs) => evs.some((e) => e.tenantId === tenant.id),
    );
    expect(announced.find((e) => e.tenantId === tenant.id)!.data).toMatchObject({ windowDays: 365, currency: 'EUR' });
  });

  it('shows RFM to whom the access model grants it: a support agent sees the contact but not its scores', async () => {
    const res = await gql(CONTACT_WITH_RFM, { id: ids.ada }, await tenant.tokenFor('support_agent'));
    expect(res.data!.contact).toMatchObject({ lastName: 'Lovelace', rfm: null });
    expect(res.errors!.map((e) => [e.path!.join('.'), e.extensions!.code, e.extensions!.fieldGroup])).toEqual([
      ['contact.rfm', 'FORBIDDEN', 'RFM'],
    ]);
  });

  it('ingests a commerce.order.placed message a partner publishes on NATS', async () => {
    const order: OrderV1 = {
      source: 'pos',
      externalOrderId: 'P-77',
      externalCustomer: { source: 'webshop', key: 'B-1' },
      occurredAt: new Date().toISOString(),
      amount: '7.50',
      currency: 'EUR',
      channel: 'store',
    };
    const event = newEvent({
      type: ORDER_PLACED,
      tenantId: tenant.id,
      actor: SYSTEM_ACTOR,
      subjectId: order.externalOrderId,
      data: { order },
    });
    await nc
      .jetstream()
      .publish(`${process.env.NATS_SUBJECT_PREFIX}.${ORDER_PLACED}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
    const bob = await ordersOf(ids.bob, 2);
    expect(bob.edges[0].node).toMatchObject({ externalOrderId: 'P-77', amount: { amount: '7.50', currency: 'EUR' } });
  });
});
