import { bearer, graphql } from '@rapport/testing';
import {
  CAMPAIGN,
  CREATE_CAMPAIGN,
  CREATE_SEGMENT,
  LAUNCH,
  eventually,
  startMarketingRig,
  type MarketingRig,
} from '../harness/marketing-fixtures';

// Platform start-up, a campaign send and projections on a loaded 2-core machine.
jest.setTimeout(240_000);

const TIMELINE = `query($id: ID!, $first: Int, $after: String, $last: Int) {
  contact(id: $id) {
    timeline(first: $first, after: $after, last: $last) {
      totalCount
      edges { cursor node { kind occurredAt summary refId } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
const ACCOUNT_TIMELINE = `query($id: ID!) { account(id: $id) { timeline(first: 50) { totalCount edges { node { kind } } } } }`;

interface Entry {
  kind: string;
  occurredAt: string;
  summary: string;
  refId: string | null;
}

/**
 * The contact's timeline through the gateway holds what every service
 * reports (ADR 045): a case service opened, an order analytics recorded, a
 * consent marketing recorded and a campaign email marketing sent, merged in
 * time order with sales' own entries, paged both ways; an entry about a
 * record the reader may not see (a partner without the groups, a private
 * case of someone else) is left out, a deleted case's entries hide until it
 * is restored.
 */
describe("a contact's timeline shows cases, orders, campaign messages and consent changes", () => {
  let rig: MarketingRig;
  let admin: Record<string, string>;
  let contactId: string;
  let accountId: string;
  let caseId: string;
  const suffix = Math.random().toString(36).slice(2, 8);
  const email = `timeline-${suffix}@example.com`;

  const ok = async (headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}) => {
    const res = await graphql(rig.platform.graphqlUrl, query, variables, headers);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data as Record<string, any>;
  };
  const timeline = async (headers: Record<string, string>, args: Record<string, unknown> = { first: 50 }) =>
    (await ok(headers, TIMELINE, { id: contactId, ...args })).contact.timeline as {
      totalCount: number;
      edges: { cursor: string; node: Entry }[];
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
  const kinds = (t: { edges: { node: Entry }[] }) => t.edges.map((e) => e.node.kind);

  beforeAll(async () => {
    rig = await startMarketingRig('timeline');
    admin = bearer(await rig.tenant.tokenFor('admin'));
    accountId = (await ok(admin, `mutation { createAccount(input: { name: "Timeline ${suffix}" }) { account { id } } }`)).createAccount
      .account.id;
    contactId = (
      await ok(admin, `mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, {
        i: { firstName: 'Tia', lastName: `Timeline-${suffix}`, emails: [email], accountId },
      })
    ).createContact.contact.id;
  });

  afterAll(() => rig?.stop());

  it('merges the four services in time order and pages through them', async () => {
    caseId = (
      await ok(admin, `mutation($i: OpenCaseInput!) { openCase(input: $i) { case { id } } }`, {
        i: { contactId, subject: `Parcel never arrived ${suffix}`, channel: 'EMAIL' },
      })
    ).openCase.case.id;
    // Placed two days ago: the timeline sorts by when it happened, not when it was reported.
    const placedAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await ok(admin, `mutation($i: RecordOrdersInput!) { recordOrders(input: $i) { created } }`, {
      i: {
        orders: [{ source: 'shop', externalOrderId: `T-${suffix}`, contactId, occurredAt: placedAt, amount: '42.10', currency: 'EUR' }],
      },
    });
    await ok(admin, `mutation($i: SetConsentInput!) { setConsent(input: $i) { consent { status } } }`, {
      i: { contactId, channel: 'EMAIL', status: 'OPTED_IN', source: 'web-form' },
    });
    // The campaign finds the contact once marketing's copy has it.
    const segment = (
      await rig.call(CREATE_SEGMENT, { input: { name: `Timeline ${suffix}`, rule: { field: 'email', op: 'eq', value: email } } })
    ).createSegment.segment;
    await eventually(
      async () =>
        (await rig.call(`query($id: ID!) { segment(id: $id) { memberCount } }`, { id: segment.id })).segment.memberCount as number,
      (n) => n === 1,
    );
    const campaign = (
      await rig.call(CREATE_CAMPAIGN, {
        input: {
          name: `Timeline ${suffix}`,
          segmentId: segment.id,
          channel: 'EMAIL',
          variants: [{ key: 'A', splitPercent: 100, subject: 'Hello', text: 'Hi {{unsubscribeUrl}}' }],
        },
      })
    ).createCampaign.campaign;
    await rig.call(LAUNCH, { id: campaign.id });
    await eventually(
      async () => (await rig.call(CAMPAIGN, { id: campaign.id })).campaign.status as string,
      (s) => s === 'SENT',
    );

    const all = await eventually(
      () => timeline(admin),
      (t) => t.totalCount === 4,
    );
    expect(new Set(kinds(all))).toEqual(new Set(['CASE_OPENED', 'ORDER_PLACED', 'CONSENT_CHANGED', 'MESSAGE_SENT']));
    const times = all.edges.map((e) => Date.parse(e.node.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(kinds(all)[3]).toBe('ORDER_PLACED');
    const byKind = Object.fromEntries(all.edges.map((e) => [e.node.kind, e.node]));
    expect(byKind.CASE_OPENED).toMatchObject({ refId: caseId, summary: `Case opened: Parcel never arrived ${suffix}` });
    expect(byKind.ORDER_PLACED.summary).toBe(`Order T-${suffix} from shop: 42.10 EUR`);
    expect(byKind.CONSENT_CHANGED.summary).toBe('Consent for marketing by email: opted in (web-form)');
    expect(byKind.MESSAGE_SENT.summary).toBe('Campaign email sent');

    // Paged: two and two, and backward from the end.
    const first = await timeline(admin, { first: 2 });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await timeline(admin, { first: 2, after: first.pageInfo.endCursor });
    expect([...kinds(first), ...kinds(second)]).toEqual(kinds(all));
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect(kinds(await timeline(admin, { first: null, last: 1 }))).toEqual(['ORDER_PLACED']);

    // The account shows its case and its contact's order, not the person's mail and consents.
    const account = (await ok(admin, ACCOUNT_TIMELINE, { id: accountId })).account.timeline;
    expect(new Set(kinds(account))).toEqual(new Set(['CASE_OPENED', 'ORDER_PLACED']));
  });

  it('leaves out what the reader may not see', async () => {
    // A partner key that reads contacts only: no cases, orders, consents or marketing profile.
    const key = await ok(admin, `mutation { createApiKey(input: { name: "timeline-${suffix}", scopes: ["contacts:read"] }) { secret } }`);
    const partner = { 'x-api-key': key.createApiKey.secret as string };
    const seen = await timeline(partner);
    expect(seen.totalCount).toBe(0);
    expect(JSON.stringify(seen)).not.toContain('Parcel');

    // Private cases: an agent who does not own the case does not learn of it from the timeline.
    const agent = bearer((await rig.tenant.createUser(`agent-${suffix}`, ['support_agent'])).token);
    const share = (access: string) =>
      ok(admin, `mutation($i: SetSharingRulesInput!) { setSharingRules(input: $i) { sharingRule { access } } }`, {
        i: { object: 'CASE', access },
      });
    await share('PRIVATE');
    try {
      const hidden = await eventually(
        () => timeline(agent),
        (t) => !kinds(t).includes('CASE_OPENED'),
      );
      expect(hidden.totalCount).toBe(3);
      expect((await timeline(admin)).totalCount).toBe(4);
    } finally {
      await share('PUBLIC_READ_WRITE');
    }
  });

  it("hides a deleted case's entries until the case is restored", async () => {
    await ok(admin, `mutation($i: DeleteCaseInput!) { deleteCase(input: $i) { __typename } }`, { i: { id: caseId } });
    await eventually(
      () => timeline(admin),
      (t) => t.totalCount === 3 && !kinds(t).includes('CASE_OPENED'),
    );
    await ok(admin, `mutation($i: RestoreCaseInput!) { restoreCase(input: $i) { __typename } }`, { i: { id: caseId } });
    await eventually(
      () => timeline(admin),
      (t) => t.totalCount === 4,
    );
  });
});
