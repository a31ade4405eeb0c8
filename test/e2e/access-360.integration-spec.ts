/**
 * The access model, end to end through the gateway: every built-in role, a
 * partner key and a customer ask for the same 360° view of one customer, and
 * each field comes back exactly as docs/security/access-model.md says — the
 * expectations are generated from the matrix in libs/contracts/src/access,
 * so a change to either the code or the matrix is caught here.
 */
import { CONTACT_FIELD_GROUPS, DEFAULT_FIELD_ACCESS, API_SCOPES, ROLES, STAFF_ONLY_CONTACT_FIELDS, type Role } from '@rapport/contracts';
import { bearer, graphql, type GraphQLResponse, eventuallyWithin } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { createTenant, customerToken, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(180_000);

/** One selection per Contact field of the matrix; `value` may be null until a CLV model is fitted. */
const SELECTIONS: Record<string, string> = {
  firstName: 'firstName',
  lastName: 'lastName',
  account: 'account { id name }',
  owner: 'owner { displayName }',
  tags: 'tags',
  externalIds: 'externalIds { source key }',
  timeline: 'timeline(first: 5) { totalCount }',
  emails: 'emails',
  phones: 'phones',
  addresses: 'addresses { city }',
  opportunities: 'opportunities { totalCount }',
  cases: 'cases { totalCount }',
  orders: 'orders { totalCount }',
  rfm: 'rfm { score }',
  value: 'value { tier }',
  consents: 'consents { channel status }',
  consentHistory: 'consentHistory(first: 5) { totalCount }',
  marketing: 'marketing { openComplaints }',
};
const FILLED_LATER = new Set(['value']);

const FACE_360 = `query($id: ID!) { contact(id: $id) { id ${Object.values(SELECTIONS).join(' ')} } }`;

/** Every read scope of the catalogue: what a read-only integration would be given. */
const PARTNER_SCOPES = API_SCOPES.filter((scope) => scope.access === 'read').map((scope) => scope.name);

type Caller = Role;
/** Every built-in role: staff sign in as users, a partner is an API key, a customer a user bound to the contact. */
const CALLERS: readonly Caller[] = ROLES;
/** Roles without PROFILE (the auditor) get no customer record at all: the doc's rule for PROFILE. */
const RECORD_READERS = CALLERS.filter((c) => DEFAULT_FIELD_ACCESS[c].PROFILE !== 'NONE');
const NOT_RECORD_READERS = CALLERS.filter((c) => DEFAULT_FIELD_ACCESS[c].PROFILE === 'NONE');

/** What the matrix says a caller gets for a field: readable or denied. */
function expectedReadable(caller: Caller, field: string): boolean {
  if (caller === 'customer' && STAFF_ONLY_CONTACT_FIELDS.includes(field)) return false;
  return DEFAULT_FIELD_ACCESS[caller][CONTACT_FIELD_GROUPS[field]] !== 'NONE';
}

describe('the 360° view for every role follows the access model (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let admin: string;
  let contactId: string;
  const headersFor: Partial<Record<Caller, Record<string, string>>> = {};

  const ok = async (headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}) => {
    const res = await graphql(platform.graphqlUrl, query, variables, headers);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data as Record<string, any>;
  };

  const eventually = eventuallyWithin({ timeoutMs: 30_000, intervalMs: 200 });

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'access360');
    admin = await tenant.tokenFor('admin');
    const as = bearer(admin);
    const account = (await ok(as, `mutation { createAccount(input: { name: "Analytical Engines" }) { account { id } } }`)).createAccount
      .account.id;
    contactId = (
      await ok(as, `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`, {
        input: {
          firstName: 'Ada',
          lastName: 'Lovelace',
          emails: ['ada@example.com'],
          phones: ['+44 20 7946 0000'],
          accountId: account,
          tags: ['vip'],
          externalIds: [{ source: 'erp', key: 'C-1' }],
          addresses: [{ kind: 'BILLING', city: 'London', country: 'GB' }],
        },
      })
    ).createContact.contact.id;
    await ok(as, `mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }`, {
      input: {
        name: 'Engine',
        accountId: account,
        primaryContactId: contactId,
        amount: { amount: '1000', currency: 'EUR' },
        closeDate: '2027-03-31',
      },
    });
    await ok(as, `mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id } } }`, {
      input: { contactId, subject: 'Where is my engine?', channel: 'EMAIL' },
    });
    await ok(as, `mutation($input: SetConsentInput!) { setConsent(input: $input) { consent { status } } }`, {
      input: { contactId, channel: 'EMAIL', status: 'OPTED_IN', source: 'web-form' },
    });
    await ok(as, `mutation($input: RecordOrdersInput!) { recordOrders(input: $input) { created } }`, {
      input: {
        orders: [
          { source: 'shop', externalOrderId: 'A-1', contactId, occurredAt: new Date().toISOString(), amount: '99.50', currency: 'EUR' },
        ],
      },
    });
    await ok(as, `mutation { recomputeRfm(input: { windowDays: 365 }) { customersScored } }`);
    // Marketing and analytics learn of the contact from sales' events.
    await eventually(
      async () => (await ok(as, FACE_360, { id: contactId })).contact,
      (c) => c.marketing !== null && c.rfm !== null,
    );

    for (const role of CALLERS) {
      if (role === 'admin') headersFor.admin = as;
      else if (role === 'customer') headersFor.customer = bearer(await customerToken(platform, tenant, contactId));
      else if (role === 'partner') {
        const key = await ok(as, `mutation($scopes: [String!]!) { createApiKey(input: { name: "partner", scopes: $scopes }) { secret } }`, {
          scopes: PARTNER_SCOPES,
        });
        headersFor.partner = { 'x-api-key': key.createApiKey.secret };
      } else headersFor[role] = bearer(await tenant.tokenFor(role));
    }
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const forbiddenAt = (res: GraphQLResponse, field: string) =>
    res.errors?.find((e) => e.path?.join('.') === `contact.${field}` && e.extensions?.code === 'FORBIDDEN');

  it.each(NOT_RECORD_READERS)('%s is refused the record as a whole (no PROFILE)', async (caller) => {
    const res = await graphql(platform.graphqlUrl, FACE_360, { id: contactId }, headersFor[caller]);
    expect(res.data?.contact ?? null).toBeNull();
    expect(res.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', fieldGroup: 'PROFILE' });
  });

  it.each(RECORD_READERS)('%s sees exactly what the matrix grants, each denied field null with FORBIDDEN at its path', async (caller) => {
    const res = await graphql(platform.graphqlUrl, FACE_360, { id: contactId }, headersFor[caller]);
    const contact = res.data?.contact as Record<string, unknown> | null;
    if (!contact) throw new Error(`no contact for ${caller}: ${JSON.stringify(res.errors)}`);
    expect(contact!.id).toBe(contactId);
    const seen: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const field of Object.keys(SELECTIONS)) {
      const readable = expectedReadable(caller, field);
      expected[field] = readable ? (FILLED_LATER.has(field) ? 'readable' : 'filled') : 'forbidden';
      if (forbiddenAt(res, field) && contact![field] === null) seen[field] = 'forbidden';
      else if (FILLED_LATER.has(field) && !forbiddenAt(res, field)) seen[field] = 'readable';
      else seen[field] = contact![field] !== null && contact![field] !== undefined ? 'filled' : `null (${JSON.stringify(res.errors)})`;
    }
    expect(seen).toEqual(expected);
    // Nothing else failed: every error is a denial the matrix predicts.
    const unexpected = (res.errors ?? []).filter((e) => !(e.extensions?.code === 'FORBIDDEN' && e.path?.length === 2));
    expect(unexpected).toEqual([]);
  });

  it('shows a customer the public comments on their case, their authors by display name only', async () => {
    const [edge] = (
      await ok(headersFor.admin!, `query($id: ID!) { cases(filter: { contactId: $id }) { edges { node { id } } } }`, { id: contactId })
    ).cases.edges;
    const caseId = edge.node.id;
    const COMMENT = `mutation($input: AddCaseCommentInput!) { addCaseComment(input: $input) { comment { id } } }`;
    await ok(headersFor.support_agent!, COMMENT, { input: { caseId, body: 'On its way.', visibility: 'PUBLIC' } });
    await ok(headersFor.support_agent!, COMMENT, { input: { caseId, body: 'Customer seems annoyed.', visibility: 'INTERNAL' } });
    const res = await graphql(
      platform.graphqlUrl,
      `
        query ($id: ID!) {
          case(id: $id) {
            comments {
              body
              author {
                displayName
                email
              }
            }
          }
        }
      `,
      { id: caseId },
      headersFor.customer,
    );
    expect(res.data!.case.comments).toEqual([{ body: 'On its way.', author: { displayName: 'support_agent', email: null } }]);
    expect(res.errors!.map((e) => [e.path!.join('.'), e.extensions!.code])).toEqual([['case.comments.0.author.email', 'FORBIDDEN']]);
  });

  it('shows a customer staff by display name only', async () => {
    const res = await graphql(
      platform.graphqlUrl,
      `
        query ($id: ID!) {
          contact(id: $id) {
            owner {
              displayName
              email
              roles
            }
          }
        }
      `,
      { id: contactId },
      headersFor.customer,
    );
    expect(res.data!.contact).toEqual({ owner: { displayName: 'Admin', email: null, roles: null } });
    expect(res.errors!.map((e) => [e.path!.join('.'), e.extensions!.code])).toEqual([
      ['contact.owner.email', 'FORBIDDEN'],
      ['contact.owner.roles', 'FORBIDDEN'],
    ]);
  });

  const SET_FIELD_ACCESS = `mutation($input: SetFieldAccessInput!) { setFieldAccess(input: $input) { fieldAccess { role fieldGroup access builtIn narrowed } } }`;

  it("reads the owner's name with the contact from sales' copy of identity's users, which follows a rename", async () => {
    const asAdmin = bearer(admin);
    const ownerName = async () => {
      const res = await graphql(
        platform.graphqlUrl,
        `
          query ($id: ID!) {
            contact(id: $id) {
              owner {
                id
                displayName
              }
            }
          }
        `,
        { id: contactId },
        asAdmin,
      );
      expect(res.errors).toBeUndefined();
      return res.data!.contact.owner as { id: string; displayName: string };
    };
    const { id: ownerId } = await ownerName();
    const rename = (displayName: string) =>
      graphql(
        platform.graphqlUrl,
        `
          mutation ($input: UpdateUserInput!) {
            updateUser(input: $input) {
              user {
                displayName
              }
            }
          }
        `,
        { input: { id: ownerId, displayName } },
        asAdmin,
      );
    const nameBecomes = async (displayName: string) => {
      const deadline = Date.now() + 30_000;
      while ((await ownerName()).displayName !== displayName && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    };
    try {
      expect((await rename('Admin Renamed')).data!.updateUser.user.displayName).toBe('Admin Renamed');
      await nameBecomes('Admin Renamed');
      expect(await ownerName()).toEqual({ id: ownerId, displayName: 'Admin Renamed' });
    } finally {
      // Back, and seen back: later tests read the name, and a late event would rewrite sales' copy under them.
      await rename('Admin');
      await nameBecomes('Admin');
    }
  });

  it("says so, on the owner alone, when sales' copy of identity's users lacks the owner", async () => {
    const sales = platform.sales.app.get(DataSource);
    const [row] = await sales.query(`SELECT * FROM identity_users WHERE id = (SELECT owner_id FROM contacts WHERE id = $1)`, [contactId]);
    await sales.query(`DELETE FROM identity_users WHERE id = $1`, [row.id]);
    try {
      const res = await graphql(
        platform.graphqlUrl,
        `
          query ($id: ID!) {
            contact(id: $id) {
              lastName
              owner {
                displayName
              }
            }
          }
        `,
        { id: contactId },
        bearer(admin),
      );
      expect(res.data!.contact).toEqual({ lastName: expect.any(String), owner: null });
      expect(res.errors!.map((e) => [e.path!.join('.'), e.extensions!.code])).toEqual([
        ['contact.owner.displayName', 'SERVICE_UNAVAILABLE'],
      ]);
    } finally {
      const columns = Object.keys(row);
      await sales.query(
        `INSERT INTO identity_users (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        columns.map((c) => row[c]),
      );
    }
  });

  it('lets only admins narrow field access, refusing what is not a narrowing with the field named', async () => {
    const rep = await graphql(
      platform.graphqlUrl,
      SET_FIELD_ACCESS,
      { input: { role: 'sales_rep', fieldGroup: 'VALUE', access: 'NONE' } },
      headersFor.sales_manager,
    );
    expect(rep.errors![0].extensions!.code).toBe('FORBIDDEN');
    const widen = await graphql(
      platform.graphqlUrl,
      SET_FIELD_ACCESS,
      { input: { role: 'marketer', fieldGroup: 'CASE_COMMENTS', access: 'READ' } },
      headersFor.admin,
    );
    expect(widen.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'access' });
    const adminLockout = await graphql(
      platform.graphqlUrl,
      SET_FIELD_ACCESS,
      { input: { role: 'admin', fieldGroup: 'PROFILE', access: 'NONE' } },
      headersFor.admin,
    );
    expect(adminLockout.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'role' });
    const role = await graphql(
      platform.graphqlUrl,
      SET_FIELD_ACCESS,
      { input: { role: 'wizard', fieldGroup: 'PROFILE', access: 'NONE' } },
      headersFor.admin,
    );
    expect(role.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'role' });
  });

  it('enforces a tenant narrowing in every subgraph within seconds, also through _entities, and undoes it', async () => {
    const as = headersFor.admin!;
    const narrowed = await ok(as, SET_FIELD_ACCESS, { input: { role: 'sales_rep', fieldGroup: 'VALUE', access: 'NONE' } });
    expect(narrowed.setFieldAccess.fieldAccess).toEqual({
      role: 'sales_rep',
      fieldGroup: 'VALUE',
      access: 'NONE',
      builtIn: 'READ',
      narrowed: true,
    });
    const started = Date.now();
    await ok(as, SET_FIELD_ACCESS, { input: { role: 'partner', fieldGroup: 'CONTACT_DETAILS', access: 'NONE' } });
    const matrix = (await ok(as, `{ fieldAccess(role: "partner") { fieldGroup access narrowed } }`)).fieldAccess;
    expect(matrix.find((m: { fieldGroup: string }) => m.fieldGroup === 'CONTACT_DETAILS')).toEqual({
      fieldGroup: 'CONTACT_DETAILS',
      access: 'NONE',
      narrowed: true,
    });

    const partnerView = await eventually(
      () =>
        graphql(
          platform.graphqlUrl,
          `
            query ($id: ID!) {
              contact(id: $id) {
                firstName
                phones
                emails
              }
            }
          `,
          { id: contactId },
          headersFor.partner,
        ),
      (res) => res.data?.contact?.phones === null,
      10_000,
    );
    const repView = await eventually(
      () =>
        graphql(
          platform.graphqlUrl,
          `
            query ($id: ID!) {
              contact(id: $id) {
                firstName
                value {
                  tier
                }
              }
            }
          `,
          { id: contactId },
          headersFor.sales_rep,
        ),
      (res) => forbiddenAt(res, 'value') !== undefined,
      10_000,
    );
    const delayMs = Date.now() - started;
    console.log(`field-access narrowing in force at the gateway after ${delayMs} ms`);
    expect(delayMs).toBeLessThan(5_000);
    expect(partnerView.data!.contact).toEqual({ firstName: 'Ada', phones: null, emails: null });
    expect(forbiddenAt(partnerView, 'phones')!.extensions).toMatchObject({ code: 'FORBIDDEN', fieldGroup: 'CONTACT_DETAILS' });
    expect(repView.data!.contact.firstName).toBe('Ada');

    // The analytics subgraph refuses it on its own, as the gateway would ask it: through _entities.
    const direct = await graphql(
      `${platform.services.analytics.url}/graphql`,
      `
        query ($r: [_Any!]!) {
          _entities(representations: $r) {
            ... on Contact {
              value {
                tier
              }
              rfm {
                score
              }
            }
          }
        }
      `,
      { r: [{ __typename: 'Contact', id: contactId }] },
      headersFor.sales_rep,
    );
    expect(direct.data!._entities).toEqual([{ value: null, rfm: { score: expect.any(String) } }]);
    expect(direct.errors!.map((e) => [e.path!.join('.'), e.extensions!.code])).toEqual([['_entities.0.value', 'FORBIDDEN']]);

    // A partner denied contact details cannot write them either.
    const write = await graphql(
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
      { input: { lastName: 'Babbage', phones: ['+44 20 7946 0001'] } },
      headersFor.partner,
    );
    expect(write.errors![0].extensions!.code).toBe('FORBIDDEN');

    // Setting the built-in level again removes the narrowing.
    await ok(as, SET_FIELD_ACCESS, { input: { role: 'partner', fieldGroup: 'CONTACT_DETAILS', access: 'WRITE' } });
    await ok(as, SET_FIELD_ACCESS, { input: { role: 'sales_rep', fieldGroup: 'VALUE', access: 'READ' } });
    const restored = await eventually(
      () =>
        graphql(
          platform.graphqlUrl,
          `
            query ($id: ID!) {
              contact(id: $id) {
                phones
              }
            }
          `,
          { id: contactId },
          headersFor.partner,
        ),
      (res) => res.data?.contact?.phones !== null,
      10_000,
    );
    expect(restored.errors).toBeUndefined();
    expect(restored.data!.contact.phones).toEqual(['+442079460000']);
  });
});
