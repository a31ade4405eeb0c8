import { bearer, graphql, eventuallyWithin } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { cdnowCalibrationEnd, DAY, seedCdnowCustomers, today, topCustomerOrders } from '../harness/cdnow-fixtures';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const SETTINGS = `mutation($input: UpdateClvSettingsInput!) { updateClvSettings(input: $input) { name } }`;
const FIT = `mutation($input: FitClvModelInput!) { fitClvModel(input: $input) { id status kind } }`;
const ACTIVATE = `mutation($id: ID!) { activateClvModel(id: $id) { id status active } }`;
const MODELS = `{ clvModels(first: 10) { id status kind active rejectionReasons failureReason purchaseModel { kind parameters { name value standardError } } } }`;
const VALUE = `query($id: ID!) { contact(id: $id) { value { pAlive churnBand modelId asOf stale clv { amount } } } }`;
const COMPARE = `query($ids: [ID!]!) { compareClvModels(ids: $ids) { model { id kind } actual predicted byPurchaseCount { bucket customers actual predicted } } }`;

/** The analyst's story through the gateway: a fit that fails validation is REJECTED and cannot be activated; a valid one is activated explicitly and scores. */
describe('CLV model validation and activation through the gateway (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let analyst: string;
  let nc: NatsConnection;
  let ada = '';

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'clvmodels');
    analyst = await tenant.tokenFor('analyst');
    nc = await connect({ servers: process.env.NATS_URL });
    // A sales contact (so the gateway resolves Contact.value on it) among 300 CDNOW customers moved to recent dates.
    const created = await graphql(
      platform.graphqlUrl,
      `
        mutation ($input: CreateContactInput!) {
          createContact(input: $input) {
            contact {
              id
            }
          }
        }
      `,
      { input: { lastName: 'Lovelace', externalIds: [{ source: 'webshop', key: 'A-1' }] } },
      bearer(await tenant.tokenFor('sales_rep')),
    );
    expect(created.errors).toBeUndefined();
    ada = created.data!.createContact.contact.id;
    await seedCdnowCustomers(platform, nc, tenant.id, await tenant.tokenFor('admin'), topCustomerOrders({ source: 'webshop', key: 'A-1' }));
  });

  afterAll(async () => {
    await nc?.close();
    await platform?.stop();
  });

  const gql = (query: string, variables: Record<string, unknown> = {}) => graphql(platform.graphqlUrl, query, variables, bearer(analyst));

  const eventually = eventuallyWithin({ timeoutMs: 30_000, intervalMs: 200 });
  const finished = (id: string) =>
    eventually(
      async () => (await gql(MODELS)).data!.clvModels.find((m: { id: string }) => m.id === id),
      (m) => m && !['QUEUED', 'RUNNING'].includes(m.status),
    );
  const holdout = { calibrationEnd: cdnowCalibrationEnd.toISOString(), holdoutEnd: new Date(today - DAY).toISOString() };

  it('rejects a fit outside the hold-out limit, refuses to activate it, then activates a valid Pareto/NBD fit that scores', async () => {
    // Explicit activation only, and a hold-out limit no model meets.
    expect((await gql(SETTINGS, { input: { autoActivate: false, maxHoldoutError: 0.001 } })).errors).toBeUndefined();
    const bad = await gql(FIT, { input: { ...holdout, kind: 'BG_NBD' } });
    expect(bad.errors).toBeUndefined();
    const rejected = await finished(bad.data!.fitClvModel.id);
    expect(rejected).toMatchObject({ status: 'REJECTED', kind: 'BG_NBD', active: false, failureReason: null });
    expect(rejected.rejectionReasons).toEqual([expect.stringMatching(/^hold-out: .* limit 0\.1 %\)$/)]);

    const refused = await gql(ACTIVATE, { id: rejected.id });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'id' } });
    expect(refused.errors?.[0].message).toMatch(/REJECTED: hold-out/);
    expect((await gql(VALUE, { id: ada })).data!.contact.value).toBeNull();

    expect((await gql(SETTINGS, { input: { maxHoldoutError: null } })).errors).toBeUndefined();
    const good = await gql(FIT, { input: { ...holdout, kind: 'PARETO_NBD' } });
    const fitted = await finished(good.data!.fitClvModel.id);
    expect(fitted).toMatchObject({ status: 'FITTED', kind: 'PARETO_NBD', active: false, rejectionReasons: null });
    expect(fitted.purchaseModel.parameters.map((p: { name: string }) => p.name)).toEqual(['r', 'alpha', 's', 'beta']);
    for (const p of fitted.purchaseModel.parameters) expect(p.standardError).toBeGreaterThan(0);

    const activated = await gql(ACTIVATE, { id: fitted.id });
    expect(activated.errors).toBeUndefined();
    expect(activated.data!.activateClvModel).toEqual({ id: fitted.id, status: 'FITTED', active: true });

    const value = await eventually(
      async () => (await gql(VALUE, { id: ada })).data?.contact?.value,
      (v) => v?.modelId === fitted.id,
    );
    expect(value).toMatchObject({ stale: false, asOf: new Date().toISOString().slice(0, 10) });
    expect(value.pAlive).toBeGreaterThan(0);
    expect(value.pAlive).toBeLessThan(1);

    const compared = await gql(COMPARE, { ids: [fitted.id, rejected.id] });
    expect(compared.errors).toBeUndefined();
    const [pareto, bg] = compared.data!.compareClvModels;
    expect(pareto.model).toEqual({ id: fitted.id, kind: 'PARETO_NBD' });
    expect(bg.model.kind).toBe('BG_NBD');
    expect(pareto.actual).toBe(bg.actual);
    expect(pareto.byPurchaseCount).toHaveLength(8);
  });
});
