import { bearer, graphql, StreamProbe, eventuallyWithin } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { cdnowCalibrationEnd, cdnowShift, DAY, seedCdnowCustomers, today, topCustomerOrders } from '../harness/cdnow-fixtures';
import { createTenant, customerToken, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`;
const FIT = `mutation($input: FitClvModelInput!) { fitClvModel(input: $input) { id status timeUnit } }`;
const MODEL = `{ clvModel { id status failureReason customersUsed bgNbd { parameters { r alpha a b } converged } holdout { overall { actual predicted } } } }`;
const CONTACT_VALUE = `query($id: ID!) {
  contact(id: $id) {
    lastName
    value { pAlive clv { amount currency } tier churnBand expectedPurchases longer: expectedPurchases(periods: 104) clv2y: clv(horizonWeeks: 104) { amount } }
    rfm { segment }
  }
}`;

/** Orders → fit → a customer's value and RFM on the sales contact in one gateway query → tier event on the stream. */
describe('customer value through the gateway (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let analyst: string;
  let admin: string;
  let nc: NatsConnection;
  let probe: StreamProbe;
  let ada = '';

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'value');
    admin = await tenant.tokenFor('admin');
    analyst = await tenant.tokenFor('analyst');
    nc = await connect({ servers: process.env.NATS_URL });
    probe = await StreamProbe.connect();
    const res = await graphql(
      platform.graphqlUrl,
      CREATE_CONTACT,
      { input: { lastName: 'Lovelace', externalIds: [{ source: 'webshop', key: 'A-1' }] } },
      bearer(await tenant.tokenFor('sales_rep')),
    );
    expect(res.errors).toBeUndefined();
    ada = res.data!.createContact.contact.id;
  });

  afterAll(async () => {
    await probe?.close();
    await nc?.close();
    await platform?.stop();
  });

  const gql = (query: string, variables: Record<string, unknown> = {}, token = analyst) =>
    graphql(platform.graphqlUrl, query, variables, bearer(token));

  const eventually = eventuallyWithin({ timeoutMs: 15_000 });

  it('fits a CLV model on recorded orders and shows value, RFM and the tier event for a customer', async () => {
    // 300 CDNOW customers as sales contacts, their orders moved to recent dates; Ada buys big, often and recently: the most valuable customer.
    await seedCdnowCustomers(platform, nc, tenant.id, admin, topCustomerOrders({ source: 'webshop', key: 'A-1' }));

    const fit = await gql(FIT, {
      // BG/NBD set explicitly (ClvModel.bgNbd below); the default is MBG/NBD (ADR 081).
      input: { calibrationEnd: cdnowCalibrationEnd.toISOString(), holdoutEnd: new Date(today - DAY).toISOString(), kind: 'BG_NBD' },
    });
    expect(fit.errors).toBeUndefined();
    expect(fit.data!.fitClvModel).toMatchObject({ status: 'QUEUED', timeUnit: 'WEEKS' });

    const model = await eventually(
      async () => (await gql(MODEL)).data!.clvModel,
      (m) => m?.status === 'FITTED' || m?.status === 'FAILED',
    );
    expect(model).toMatchObject({ id: fit.data!.fitClvModel.id, status: 'FITTED', failureReason: null, bgNbd: { converged: true } });
    expect(model.holdout.overall.actual).toBeGreaterThan(0);

    const contact = await eventually(
      async () => (await gql(CONTACT_VALUE, { id: ada })).data?.contact,
      (c) => c?.value != null && c?.rfm != null,
    );
    expect(contact.lastName).toBe('Lovelace');
    expect(contact.rfm.segment).toBe('Champions');
    expect(contact.value.pAlive).toBeGreaterThan(0.5);
    expect(contact.value.churnBand).toBe('LOW');
    expect(contact.value.tier).toBe('platinum');
    expect(contact.value.clv.currency).toBe('USD');
    expect(Number(contact.value.clv.amount)).toBeGreaterThan(400);
    expect(contact.value.longer).toBeGreaterThan(contact.value.expectedPurchases);
    expect(Number(contact.value.clv2y.amount)).toBeGreaterThan(Number(contact.value.clv.amount));

    const events = await probe.waitFor(
      `ANALYTICS_${process.env.NATS_STREAM_SUFFIX}`,
      `${process.env.NATS_SUBJECT_PREFIX}.analytics.customer.tier_changed`,
      (evs) => evs.some((e) => e.tenantId === tenant.id && e.subjectId === ada),
    );
    const tierEvents = events.filter((e) => e.tenantId === tenant.id && e.subjectId === ada);
    expect(tierEvents).toHaveLength(1);
    expect(tierEvents[0].data).toMatchObject({ contactId: ada, previousTier: null, tier: 'platinum', clv: { currency: 'USD' } });
  });

  it('answers the dashboards and retention queries', async () => {
    // (The CDNOW customers exist only as analytics' projection here, so only Ada has sales fields.)
    const top = await gql(
      `{ topCustomers(first: 1) { contact { id lastName } tier clv { amount } }
         worstCustomers(first: 100) { contact { id } clv { amount } }
         cantLoseThem(first: 5) { contact { id rfm { segmentKey } } churnBand tier } }`,
    );
    expect(top.errors).toBeUndefined();
    expect(top.data!.topCustomers[0]).toMatchObject({ contact: { id: ada, lastName: 'Lovelace' }, tier: 'platinum' });
    // Among 300 CDNOW customers some bought often long ago: the list the name promises is not empty.
    expect(top.data!.cantLoseThem.length).toBeGreaterThan(0);
    for (const c of top.data!.cantLoseThem) {
      const highValueAtRisk = c.churnBand === 'HIGH' && ['platinum', 'gold'].includes(c.tier);
      expect({ id: c.contact.id, why: c.contact.rfm?.segmentKey === 'cant-lose-them' || highValueAtRisk }).toEqual({
        id: c.contact.id,
        why: true,
      });
    }
    const worst = top.data!.worstCustomers.map((c: { clv: { amount: string } }) => Number(c.clv.amount));
    expect(worst.length).toBeGreaterThan(1);
    expect(worst).toEqual([...worst].sort((a, b) => a - b));
    expect(top.data!.worstCustomers.map((c: { contact: { id: string } }) => c.contact.id)).not.toContain(ada);

    const from = new Date(today - 120 * DAY).toISOString();
    const to = new Date(today + DAY).toISOString();
    const revenue = await gql(
      `query($from: DateTime!, $to: DateTime!) { revenueByPeriod(period: MONTH, from: $from, to: $to) { period revenue { amount currency } orders } }`,
      {
        from,
        to,
      },
    );
    expect(revenue.errors).toBeUndefined();
    expect(revenue.data!.revenueByPeriod.length).toBeGreaterThanOrEqual(4);
    expect(revenue.data!.revenueByPeriod.reduce((n: number, p: { orders: number }) => n + p.orders, 0)).toBeGreaterThanOrEqual(5);

    const cohorts = await gql(
      `query($from: DateTime!, $to: DateTime!) { cohortRetention(from: $from, to: $to) { cohort size retention } }`,
      {
        from: new Date(Date.UTC(1997, 0, 1) + cdnowShift - 31 * DAY).toISOString(),
        to,
      },
    );
    expect(cohorts.errors).toBeUndefined();
    expect(cohorts.data!.cohortRetention.reduce((n: number, c: { size: number }) => n + c.size, 0)).toBe(301);

    const sbg = await gql(
      `{ fitRetention(input: { survivors: [1000, 631, 468, 382, 326, 289, 262, 241] }) { alpha beta projectedSurvivors converged } }`,
    );
    expect(sbg.errors).toBeUndefined();
    expect(sbg.data!.fitRetention.alpha).toBeCloseTo(0.704, 3);
    expect(sbg.data!.fitRetention.projectedSurvivors.map(Math.round)).toEqual([220, 204, 191, 180, 170]);
  });

  it('shows value to whom the access model grants VALUE: a sales rep sees the tier, a customer only a FORBIDDEN', async () => {
    const rep = await gql(
      `query($id: ID!) { contact(id: $id) { lastName value { tier } } }`,
      { id: ada },
      await tenant.tokenFor('sales_rep'),
    );
    expect(rep.errors).toBeUndefined();
    expect(rep.data!.contact).toEqual({ lastName: 'Lovelace', value: { tier: 'platinum' } });
    const own = await gql(
      `query($id: ID!) { contact(id: $id) { lastName value { tier } } }`,
      { id: ada },
      await customerToken(platform, tenant, ada),
    );
    expect(own.data!.contact).toEqual({ lastName: 'Lovelace', value: null });
    expect(own.errors!.map((e) => [e.path!.join('.'), e.extensions!.code])).toEqual([['contact.value', 'FORBIDDEN']]);
  });
});
