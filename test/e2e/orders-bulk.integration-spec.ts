import { bearer, graphql, StreamProbe } from '@rapport/testing';
import { auditEntriesByRequest, newRequestId } from '../harness/audit';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const RECORD_ORDERS = `mutation($input: RecordOrdersInput!) {
  recordOrders(input: $input) { created updated unchanged rejected results { index outcome error { field message } } }
}`;
const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`;
const ORDERS_OF = `query($id: ID!) { orders(contactId: $id, first: 50) { totalCount edges { node { externalOrderId amount { amount } } } } }`;

const order = (id: string, extra: Record<string, unknown> = {}) => ({
  source: 'shop',
  externalOrderId: id,
  externalCustomer: { source: 'erp', key: 'BULK-C1' },
  occurredAt: '2026-03-01T10:00:00Z',
  amount: '12.50',
  currency: 'EUR',
  ...extra,
});

/** POST /orders/bulk through the gateway: recordOrders' rules, report, events and audit for NDJSON bulk loads. */
describe('bulk order route (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let admin: string;
  let probe: StreamProbe;
  let bulkUrl: string;

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'bulk');
    admin = await tenant.tokenFor('admin');
    probe = await StreamProbe.connect();
    bulkUrl = new URL('/orders/bulk', platform.graphqlUrl).href;
  }, 180_000);

  afterAll(async () => {
    await probe?.close();
    await platform?.stop();
  });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(bulkUrl, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...headers }, body });
  const ndjson = (lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

  it('records good lines and reports each bad one as recordOrders does, with the same outcomes on a re-send by GraphQL', async () => {
    const rep = await tenant.tokenFor('sales_rep');
    const contact = await graphql(
      platform.graphqlUrl,
      CREATE_CONTACT,
      { input: { lastName: 'Bulk', externalIds: [{ source: 'erp', key: 'BULK-C1' }] } },
      bearer(rep),
    );
    const contactId = contact.data!.createContact.contact.id as string;
    const orders = [
      order('B-1'),
      order('B-2', { currency: 'ABC' }),
      order('B-1', { amount: '1.00' }),
      order('B-3', { status: 'REFUNDED', amount: '5.00' }),
      order('B-4', { amount: '7.25', channel: 'Web' }),
    ];
    const requestId = newRequestId('bulk');
    const res = await post(ndjson([...orders, '{not json', { source: 'shop', externalOrderId: 'B-5', amount: 3 }]), {
      ...bearer(admin),
      'x-request-id': requestId,
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { rejections: { index: number; field: string; message: string }[] };
    expect(answer).toMatchObject({ created: 2, updated: 0, unchanged: 0, rejected: 5 });

    // The same orders through recordOrders: the valid ones are now UNCHANGED, the rejections word for word the same.
    const gql = await graphql(platform.graphqlUrl, RECORD_ORDERS, { input: { orders } }, bearer(admin));
    expect(gql.errors).toBeUndefined();
    const viaGraphql = gql.data!.recordOrders.results;
    expect(viaGraphql.map((r: { outcome: string }) => r.outcome)).toEqual(['UNCHANGED', 'REJECTED', 'REJECTED', 'REJECTED', 'UNCHANGED']);
    const graphqlRejections = viaGraphql
      .filter((r: { outcome: string }) => r.outcome === 'REJECTED')
      .map((r: { index: number; error: { field: string; message: string } }) => ({ index: r.index, ...r.error }));
    expect(
      answer.rejections
        .slice(0, 3)
        .map((r: { index: number; field: string; message: string }) => ({ index: r.index, field: r.field, message: r.message })),
    ).toEqual(graphqlRejections);
    expect(answer.rejections.slice(3)).toEqual([
      expect.objectContaining({ index: 5, field: 'input.orders[5]', message: 'input.orders[5]: is not a JSON object on one line' }),
      expect.objectContaining({ index: 6, field: 'input.orders[6].amount', externalOrderId: 'B-5' }),
    ]);

    const stored = await graphql(platform.graphqlUrl, ORDERS_OF, { id: contactId }, bearer(admin));
    expect(stored.data!.orders.edges.map((e: { node: { externalOrderId: string } }) => e.node.externalOrderId).sort()).toEqual([
      'B-1',
      'B-4',
    ]);
    // The order counts for the contact once analytics knows it: at once, or by an UPDATED event when the contact's
    // projection arrives after the orders (sales.contact.created races the bulk request).
    type Recorded = { externalOrderId: string; change: string; contactId: string | null };
    const ofTenant = (evs: { tenantId: string; data: unknown }[]) =>
      evs.filter((e) => e.tenantId === tenant.id).map((e) => e.data as Recorded);
    const recorded = ofTenant(
      await probe.waitFor(
        `ANALYTICS_${process.env.NATS_STREAM_SUFFIX}`,
        `${process.env.NATS_SUBJECT_PREFIX}.analytics.order.recorded`,
        (evs) => ['B-1', 'B-4'].every((id) => ofTenant(evs).some((d) => d.externalOrderId === id && d.contactId === contactId)),
      ),
    );
    expect(
      recorded
        .filter((d) => d.change === 'CREATED')
        .map((d) => d.externalOrderId)
        .sort(),
    ).toEqual(['B-1', 'B-4']);
    expect(new Set(recorded.map((d) => d.externalOrderId))).toEqual(new Set(['B-1', 'B-4']));
    // One audit entry for the request, as for one recordOrders call.
    expect((await auditEntriesByRequest(platform, tenant.id, [requestId])).get(requestId)).toBe(1);
  });

  it('refuses the unauthenticated, the unauthorised, another content type and too many lines, naming the problem', async () => {
    expect((await post(ndjson([order('X-1')]), {})).status).toBe(401);
    const agent = await post(ndjson([order('X-1')]), bearer(await tenant.tokenFor('support_agent')));
    expect(agent.status).toBe(403);
    expect(await agent.json()).toMatchObject({ code: 'FORBIDDEN' });
    const json = await fetch(bulkUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(admin) }, body: '[]' });
    expect(json.status).toBe(415);
    const tooMany = await post('{}\n'.repeat(10_001), bearer(admin));
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.orders' });
  });
});
