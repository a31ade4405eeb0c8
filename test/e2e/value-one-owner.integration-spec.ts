import { bearer, graphql } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { cdnowCalibrationEnd, seedCdnowCustomers, topCustomerOrders } from '../harness/cdnow-fixtures';
import { eventually } from '../harness/marketing-fixtures';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`;
const RECORD_ORDERS = `mutation($input: RecordOrdersInput!) { recordOrders(input: $input) { created rejected } }`;
const VALUE = `query($id: ID!) { contact(id: $id) { value { clv { amount currency } tier churnBand scoredAt } } }`;
const PREVIEW = `query($rule: JSON!) { previewSegment(rule: $rule, first: 50) { count sample { id } } }`;
const FIELDS = `query($type: String!) {
  __type(name: $type) { fields { name args { name type { kind } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } }
}`;

/** Names that would be a copy of analytics' figures (CLV, tier, churn, P(alive), RFM). */
const ANALYTICS_FIGURE = /^(clv|tier|churn|churnBand|churnRisk|pAlive|rfm.*|value)$/i;

// Platform start-up, a CLV fit and rescoring on a loaded 2-core machine.
jest.setTimeout(240_000);

/**
 * One number, one owner: CLV, tier and churn are analytics' (Contact.value).
 * Marketing keeps a copy for its segment rules, current on every change of
 * the figures — not only when the tier moves — and shows none of it on
 * Contact.marketing, so the 360° answer has each figure once.
 */
describe('customer value has one owner; marketing follows every change (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let nc: NatsConnection;
  let tokens: Record<'admin' | 'analyst' | 'marketer', string>;
  let ada = '';

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'one-owner');
    tokens = {
      admin: await tenant.tokenFor('admin'),
      analyst: await tenant.tokenFor('analyst'),
      marketer: await tenant.tokenFor('marketer'),
    };
    nc = await connect({ servers: process.env.NATS_URL });
  });

  afterAll(async () => {
    await nc?.close();
    await platform?.stop();
  });

  const as =
    (who: keyof typeof tokens) =>
    async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await graphql(platform.graphqlUrl, query, variables, bearer(tokens[who]));
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return res.data as Record<string, any>;
    };
  const valueOf = async () => (await as('analyst')(VALUE, { id: ada })).contact.value;
  /** Whether marketing's rule `clv eq amount` selects Ada: its copy of her CLV is exactly analytics' figure. */
  const marketingHasClv = async (amount: string) =>
    (await as('marketer')(PREVIEW, { rule: { field: 'clv', op: 'eq', value: amount } })).previewSegment.sample.some(
      (c: { id: string }) => c.id === ada,
    );

  /** Analytics' current value of Ada once marketing's rules see exactly that CLV; null until then. */
  const valueInBoth = async () => {
    const value = await valueOf();
    return value && (await marketingHasClv(value.clv.amount)) ? value : null;
  };

  it('rescoring that changes CLV but not the tier: marketing rules follow the new CLV', async () => {
    const created = await as('admin')(CREATE_CONTACT, {
      input: { lastName: 'Lovelace', externalIds: [{ source: 'webshop', key: 'A-1' }] },
    });
    ada = created.createContact.contact.id;
    // Ada buys big, often and recently among 300 CDNOW customers: the top of the platinum tier.
    await seedCdnowCustomers(platform, nc, tenant.id, tokens.admin, topCustomerOrders({ source: 'webshop', key: 'A-1' }));
    await as('analyst')(`mutation($input: FitClvModelInput!) { fitClvModel(input: $input) { id } }`, {
      input: { calibrationEnd: cdnowCalibrationEnd.toISOString() },
    });
    // Scoring may run more than once while the seeded orders land: wait until marketing holds the figure analytics shows now.
    const first = await eventually(valueInBoth, (v) => v?.tier === 'platinum', 90_000);
    expect(first).toMatchObject({ churnBand: 'LOW', clv: { currency: 'USD' } });

    // One more order today: Ada's CLV rises, she stays platinum and LOW.
    const res = await as('admin')(RECORD_ORDERS, {
      input: {
        orders: [
          {
            source: 'webshop',
            externalOrderId: 'A-today',
            externalCustomer: { source: 'webshop', key: 'A-1' },
            occurredAt: new Date().toISOString(),
            amount: '400.00',
            currency: 'USD',
          },
        ],
      },
    });
    expect(res.recordOrders).toEqual({ created: 1, rejected: 0 });
    const second = await eventually(valueInBoth, (v) => v !== null && v.scoredAt !== first.scoredAt && v.clv.amount !== first.clv.amount);
    expect(second).toMatchObject({ tier: 'platinum', churnBand: 'LOW' });
    expect(Number(second.clv.amount)).toBeGreaterThan(Number(first.clv.amount));

    // Marketing's rule sees the new figure (above), and no longer the old one.
    expect(await marketingHasClv(first.clv.amount)).toBe(false);
    const atLeast = await as('marketer')(PREVIEW, { rule: { field: 'clv', op: 'gte', value: second.clv.amount } });
    expect(atLeast.previewSegment.sample.map((c: { id: string }) => c.id)).toContain(ada);
  });

  it('the 360° answer shows CLV, tier and churn once: in Contact.value, not in Contact.marketing', async () => {
    // Everything marketing serves on the contact, two levels deep, as the schema lists it now.
    const marketingSelection = await selectionOf('ContactMarketing', 2);
    const res = await as('admin')(
      `query($id: ID!) {
        contact(id: $id) {
          lastName
          value { clv { amount currency } tier churnBand churnRisk pAlive }
          rfm { segment score }
          consents { channel status }
          marketing ${marketingSelection}
        }
      }`,
      { id: ada },
    );
    const { value, marketing } = res.contact;
    expect(value.tier).toBe('platinum');
    expect(marketing).not.toBeNull();
    expect(keysOf(marketing).filter((k) => ANALYTICS_FIGURE.test(k))).toEqual([]);
    const answer = JSON.stringify(res.contact);
    expect(answer.split(value.clv.amount)).toHaveLength(2);
    expect(answer.split(`"${value.tier}"`)).toHaveLength(2);
    expect(answer.split(`"${value.churnBand}"`)).toHaveLength(2);
  });

  /** A selection of every field of `type` without required arguments, objects `depth` levels down. */
  async function selectionOf(type: string, depth: number): Promise<string> {
    const fields: { name: string; args: { type: { kind: string } }[]; type: TypeRef }[] = (await as('admin')(FIELDS, { type })).__type
      .fields;
    const parts: string[] = [];
    for (const f of fields) {
      if (f.args.some((a) => a.type.kind === 'NON_NULL')) continue;
      const named = namedType(f.type);
      if (named.kind !== 'OBJECT') parts.push(f.name);
      else if (depth > 1) parts.push(`${f.name} ${await selectionOf(named.name, depth - 1)}`);
    }
    return `{ __typename ${parts.join(' ')} }`;
  }

  // After the 360° test: a saved segment shows on Contact.marketing, and its rule holds a CLV.
  it("a saved DYNAMIC segment over CLV follows analytics' current value within the projection delay", async () => {
    const before = await eventually(valueInBoth, (v) => v !== null, 60_000);
    const above = (
      await as('marketer')(`mutation($i: CreateSegmentInput!) { createSegment(input: $i) { segment { id } } }`, {
        i: { name: 'Worth more than Ada', rule: { field: 'clv', op: 'gt', value: before.clv.amount } },
      })
    ).createSegment.segment.id as string;
    const membersOf = async () =>
      (
        await as('marketer')(`query($id: ID!) { segment(id: $id) { memberCount members(first: 100) { edges { node { id } } } } }`, {
          id: above,
        })
      ).segment as { memberCount: number; members: { edges: { node: { id: string } }[] } };
    const hasAda = (m: Awaited<ReturnType<typeof membersOf>>) => m.members.edges.some((e) => e.node.id === ada);
    expect(hasAda(await membersOf())).toBe(false);

    // Another order today: analytics rescores Ada above her figure of a moment ago.
    await as('admin')(RECORD_ORDERS, {
      input: {
        orders: [
          {
            source: 'webshop',
            externalOrderId: 'A-later',
            externalCustomer: { source: 'webshop', key: 'A-1' },
            occurredAt: new Date().toISOString(),
            amount: '500.00',
            currency: 'USD',
          },
        ],
      },
    });
    const after = await eventually(valueOf, (v) => v !== null && Number(v.clv.amount) > Number(before.clv.amount), 90_000);
    // Within the projection delay the saved segment has her, as analytics' figure says.
    const followed = await eventually(membersOf, hasAda, 30_000);
    expect(followed.memberCount).toBeGreaterThanOrEqual(1);
    expect(await marketingHasClv(after.clv.amount)).toBe(true);
  });
});

interface TypeRef {
  kind: string;
  name: string | null;
  ofType?: TypeRef | null;
}

function namedType(t: TypeRef): { kind: string; name: string } {
  return t.ofType ? namedType(t.ofType) : { kind: t.kind, name: t.name! };
}

/** Every object key in a JSON answer, at any depth (JSON scalars included). */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}
