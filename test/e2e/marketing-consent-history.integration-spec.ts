import { bearer, graphql } from '@rapport/testing';
import { createTenant, customerToken, startPlatform, type Platform, type TestTenant } from '../harness/platform';
import { eventually } from '../harness/marketing-fixtures';

// Platform start-up on a loaded 2-core machine.
jest.setTimeout(180_000);

const SET_CONSENT = `mutation($input: SetConsentInput!) { setConsent(input: $input) { consent { status } } }`;
const HISTORY = `
  query ($id: ID!, $first: Int, $after: String, $channel: ConsentChannel) {
    contact(id: $id) {
      id
      consentHistory(first: $first, after: $after, channel: $channel) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { contactId channel purpose status previousStatus source proof changedAt changedBy { kind id } } }
      }
    }
  }
`;

/**
 * Contact.consentHistory through the gateway: every recorded change, newest
 * first, with who made it (a user, an API key, the customer), paged and
 * filtered, and read by exactly those who may read Contact.consents. (A
 * contact hidden by the sharing rules: test/e2e/sharing.integration-spec.ts.)
 */
describe('Contact.consentHistory (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let admin: string;
  let marketer: { id: string; token: string };
  let contactId: string;
  let otherId: string;

  async function ok(headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const res = await graphql(platform.graphqlUrl, query, variables, headers);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data!;
  }

  const createContact = async (lastName: string): Promise<string> =>
    (
      await ok(bearer(admin), `mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, {
        i: { lastName, emails: [`${lastName.toLowerCase()}@example.com`] },
      })
    ).createContact.contact.id;

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'consenthistory');
    admin = await tenant.tokenFor('admin');
    marketer = await tenant.createUser('marketer', ['marketer']);
    contactId = await createContact('Lovelace');
    otherId = await createContact('Babbage');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('lists every change newest first, with source, proof, previous status and who made it, paged and filtered', async () => {
    const staff = bearer(marketer.token);
    const key = (
      await ok(
        bearer(admin),
        `mutation { createApiKey(input: { name: "web form", scopes: ["contacts:read", "consents:write", "consents:read"] }) { apiKey { id } secret } }`,
      )
    ).createApiKey;
    const partner = { 'x-api-key': key.secret as string };
    const customer = bearer(await customerToken(platform, tenant, contactId));

    await ok(staff, SET_CONSENT, { input: { contactId, channel: 'EMAIL', status: 'OPTED_IN', source: 'agent', proof: 'call 17' } });
    await ok(partner, SET_CONSENT, { input: { contactId, channel: 'SMS', status: 'OPTED_IN', source: 'web-form', proof: 'form-42' } });
    await ok(customer, SET_CONSENT, { input: { contactId, channel: 'EMAIL', status: 'OPTED_OUT', source: 'preference-centre' } });
    await ok(staff, SET_CONSENT, { input: { contactId: otherId, channel: 'EMAIL', status: 'OPTED_IN', source: 'agent' } });

    const all = (await ok(staff, HISTORY, { id: contactId, first: 10 })).contact.consentHistory;
    expect(all.totalCount).toBe(3);
    expect(all.pageInfo.hasNextPage).toBe(false);
    const nodes = all.edges.map((e: { node: Record<string, unknown> }) => e.node);
    expect(nodes).toEqual([
      {
        contactId,
        channel: 'EMAIL',
        purpose: 'MARKETING',
        status: 'OPTED_OUT',
        previousStatus: 'OPTED_IN',
        source: 'preference-centre',
        proof: null,
        changedAt: expect.any(String),
        changedBy: { kind: 'CUSTOMER', id: expect.any(String) },
      },
      {
        contactId,
        channel: 'SMS',
        purpose: 'MARKETING',
        status: 'OPTED_IN',
        previousStatus: null,
        source: 'web-form',
        proof: 'form-42',
        changedAt: expect.any(String),
        changedBy: { kind: 'API_KEY', id: key.apiKey.id },
      },
      {
        contactId,
        channel: 'EMAIL',
        purpose: 'MARKETING',
        status: 'OPTED_IN',
        previousStatus: null,
        source: 'agent',
        proof: 'call 17',
        changedAt: expect.any(String),
        changedBy: { kind: 'USER', id: marketer.id },
      },
    ]);
    const times = nodes.map((n: { changedAt: string }) => Date.parse(n.changedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    // Pages of one follow the same order without repeating or skipping an entry.
    const first = (await ok(staff, HISTORY, { id: contactId, first: 1 })).contact.consentHistory;
    expect(first).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    const second = (await ok(staff, HISTORY, { id: contactId, first: 2, after: first.pageInfo.endCursor })).contact.consentHistory;
    expect([...first.edges, ...second.edges].map((e: { node: unknown }) => e.node)).toEqual(nodes);
    expect(second.pageInfo.hasNextPage).toBe(false);

    const sms = (await ok(staff, HISTORY, { id: contactId, channel: 'SMS' })).contact.consentHistory;
    expect(sms.totalCount).toBe(1);
    expect(sms.edges[0].node.source).toBe('web-form');

    // The API key with consents:read and the customer themselves read it too.
    expect((await ok(partner, HISTORY, { id: contactId })).contact.consentHistory.totalCount).toBe(3);
    expect((await ok(customer, HISTORY, { id: contactId })).contact.consentHistory.totalCount).toBe(3);

    const badCursor = await graphql(platform.graphqlUrl, HISTORY, { id: contactId, after: 'nonsense' }, staff);
    expect(badCursor.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it("includes the history of a duplicate merged into the contact, marked with the duplicate's id, and drops it on unmerge", async () => {
    const staff = bearer(marketer.token);
    const survivor = await createContact('Hopper');
    const duplicate = await createContact('Hopper-Dup');
    await ok(staff, SET_CONSENT, { input: { contactId: survivor, channel: 'EMAIL', status: 'OPTED_OUT', source: 'agent' } });
    await ok(staff, SET_CONSENT, { input: { contactId: duplicate, channel: 'EMAIL', status: 'OPTED_IN', source: 'web-form' } });
    const sources = async () =>
      (await ok(staff, HISTORY, { id: survivor })).contact.consentHistory.edges.map(
        (e: { node: { contactId: string; source: string } }) =>
          `${e.node.source}@${e.node.contactId === survivor ? 'survivor' : 'duplicate'}`,
      );
    expect(await sources()).toEqual(['agent@survivor']);
    const merge = await ok(bearer(admin), `mutation($i: MergeRecordsInput!) { mergeContacts(input: $i) { id } }`, {
      i: { survivorId: survivor, mergedIds: [duplicate] },
    });
    // Marketing learns of the merge from sales' event.
    await eventually(sources, (list) => list.length === 2);
    expect(await sources()).toEqual(['web-form@duplicate', 'agent@survivor']);
    await ok(bearer(admin), `mutation($id: ID!) { unmergeContacts(mergeId: $id) { id } }`, { id: merge.mergeContacts.id });
    await eventually(sources, (list) => list.length === 1);
  });

  it('is refused like Contact.consents: to a customer for someone else, and to a role the tenant narrowed', async () => {
    const customer = bearer(await customerToken(platform, tenant, contactId));
    const res = await graphql(
      platform.graphqlUrl,
      `
        query ($id: ID!) {
          contact(id: $id) {
            consentHistory {
              totalCount
            }
          }
        }
      `,
      { id: otherId },
      customer,
    );
    // Sales does not give a customer anyone else's contact, so the gateway never asks marketing …
    expect(res.data?.contact?.consentHistory ?? null).toBeNull();
    // … and marketing refuses it on its own too, when asked for the entity directly.
    const direct = await graphql(
      `${platform.services.marketing.url}/graphql`,
      `
        query ($r: [_Any!]!) {
          _entities(representations: $r) {
            ... on Contact {
              consentHistory {
                totalCount
              }
            }
          }
        }
      `,
      { r: [{ __typename: 'Contact', id: otherId }] },
      customer,
    );
    expect(direct.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const analyst = await tenant.createUser('analyst', ['analyst']);
    const READ = `query($id: ID!) { contact(id: $id) { lastName consentHistory { totalCount } } }`;
    expect((await ok(bearer(analyst.token), READ, { id: contactId })).contact.consentHistory.totalCount).toBe(3);
    await ok(
      bearer(admin),
      `mutation { setFieldAccess(input: { role: "analyst", fieldGroup: CONSENTS, access: NONE }) { fieldAccess { access } } }`,
    );
    const narrowed = await eventually(
      () => graphql(platform.graphqlUrl, READ, { id: contactId }, bearer(analyst.token)),
      (r) => r.data?.contact?.consentHistory === null,
      10_000,
    );
    expect(narrowed.data?.contact?.lastName).toBe('Lovelace');
    expect(narrowed.errors?.[0]).toMatchObject({
      path: ['contact', 'consentHistory'],
      extensions: { code: 'FORBIDDEN', fieldGroup: 'CONSENTS' },
    });
  });
});
