/**
 * The customer `npm run bench` measures the 360° view of, and a caller for
 * each role: one realistic customer seeded through the gateway as admin (the
 * same mutations as test/e2e/access-360.integration-spec.ts), users created
 * with `createUser` and signed in, a partner API key with read scopes.
 */
import { API_SCOPES, CONTACT_FIELD_GROUPS, ROLES, type Role } from '@rapport/contracts';
import { gql } from './gateway-gql';

/** One selection per field of the customer's 360° view. */
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
  addresses: 'addresses { kind city country }',
  opportunities: 'opportunities { totalCount edges { node { name status amount { amount currency } closeDate } } }',
  cases: 'cases { totalCount edges { node { subject status priority } } }',
  orders: 'orders { totalCount }',
  rfm: 'rfm { score recency frequency monetary { amount currency } }',
  value: 'value { tier churnRisk }',
  consents: 'consents { channel purpose status }',
  consentHistory: 'consentHistory(first: 5) { edges { node { status source changedAt } } }',
  marketing: 'marketing { segments { name } openComplaints marketingPaused }',
};

// The bench measures the whole view: a field added to the matrix without a selection here is a bench that no longer asks for it.
const unselected = Object.keys(CONTACT_FIELD_GROUPS).filter((field) => !SELECTIONS[field]);
if (unselected.length > 0) throw new Error(`tools/bench/customer-360.ts: no selection for the 360° field(s) ${unselected.join(', ')}`);

/** The 360° query: profile, account, contact details, opportunities, cases, orders, RFM, value, consents, marketing. */
export const FACE_360 = `query($id: ID!) { contact(id: $id) { id ${Object.values(SELECTIONS).join(' ')} } }`;

/** Staff roles sign in as users; a partner is an API key; a customer is a user bound to the contact. */
export type Caller = Role;
export const CALLERS: readonly Caller[] = ROLES;

/** Every read scope of the catalogue (as the end-to-end test gives its partner). */
const PARTNER_SCOPES = API_SCOPES.filter((scope) => scope.access === 'read').map((scope) => scope.name);

const PASSWORD = 'bench-password-360';

export interface Seeded {
  contactId: string;
  /** Request headers of each caller (a bearer token, or x-api-key for the partner). */
  headers: Record<Caller, Record<string, string>>;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Seeds one customer as `adminToken` in `tenant` and signs in every caller.
 * Names carry `runTag`, so this also works against a platform given by URL
 * that already holds an earlier run's users.
 */
export async function seedCustomer360(graphqlUrl: string, tenant: string, adminToken: string, runTag: string): Promise<Seeded> {
  const as = <T = any>(query: string, variables: unknown = {}) => gql<T>(graphqlUrl, query, variables, adminToken);
  const account = (await as(`mutation { createAccount(input: { name: "Analytical Engines" }) { account { id } } }`)).createAccount.account
    .id;
  const contactId: string = (
    await as(`mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`, {
      input: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        emails: [`ada-${runTag}@example.com`, `ada.lovelace-${runTag}@example.org`],
        phones: ['+44 20 7946 0000', '+44 7911 123456'],
        accountId: account,
        tags: ['vip'],
        externalIds: [{ source: `bench-${runTag}`, key: 'C-1' }],
        addresses: [{ kind: 'BILLING', city: 'London', country: 'GB' }],
      },
    })
  ).createContact.contact.id;
  await as(`mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }`, {
    input: {
      name: 'Engine',
      accountId: account,
      primaryContactId: contactId,
      amount: { amount: '1000', currency: 'EUR' },
      closeDate: '2027-03-31',
    },
  });
  await as(`mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id } } }`, {
    input: { contactId, subject: 'Where is my engine?', channel: 'EMAIL' },
  });
  await as(`mutation($input: SetConsentInput!) { setConsent(input: $input) { consent { status } } }`, {
    input: { contactId, channel: 'EMAIL', status: 'OPTED_IN', source: 'web-form' },
  });
  const day = 86_400_000;
  await as(`mutation($input: RecordOrdersInput!) { recordOrders(input: $input) { created } }`, {
    input: {
      orders: [
        {
          source: `shop-${runTag}`,
          externalOrderId: 'A-1',
          contactId,
          occurredAt: new Date(Date.now() - 40 * day).toISOString(),
          amount: '99.50',
          currency: 'EUR',
        },
        {
          source: `shop-${runTag}`,
          externalOrderId: 'A-2',
          contactId,
          occurredAt: new Date(Date.now() - 3 * day).toISOString(),
          amount: '249.00',
          currency: 'EUR',
        },
      ],
    },
  });
  const recomputeRfm = () => as(`mutation { recomputeRfm(input: { windowDays: 365 }) { customersScored } }`);
  await recomputeRfm();
  // Marketing and analytics learn of the contact from sales' events; scoring is asked again until analytics has the contact.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await rawGql(graphqlUrl, FACE_360, { id: contactId }, bearer(adminToken));
    const contact = res.data?.contact;
    if (contact && contact.marketing !== null && contact.rfm !== null) break;
    if (Date.now() > deadline) throw new Error(`the 360° view is not complete after 60 s: ${JSON.stringify(res)}`);
    await new Promise((r) => setTimeout(r, 500));
    if (contact && contact.rfm === null) await recomputeRfm();
  }

  const headers = {} as Record<Caller, Record<string, string>>;
  for (const caller of CALLERS) {
    if (caller === 'admin') headers.admin = bearer(adminToken);
    else if (caller === 'partner') {
      const key = await as(`mutation($scopes: [String!]!) { createApiKey(input: { name: "bench partner", scopes: $scopes }) { secret } }`, {
        scopes: PARTNER_SCOPES,
      });
      headers.partner = { 'x-api-key': key.createApiKey.secret };
    } else {
      const email = `bench-${caller.replace('_', '-')}-${runTag}@${tenant}.test`;
      await as(`mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }`, {
        input: { email, displayName: caller, password: PASSWORD, roles: [caller], ...(caller === 'customer' ? { contactId } : {}) },
      });
      const login = await gql<any>(graphqlUrl, `mutation($i: LoginInput!) { login(input: $i) { accessToken } }`, {
        i: { tenant, email, password: PASSWORD },
      });
      headers[caller] = bearer(login.login.accessToken);
    }
  }
  return { contactId, headers };
}

export interface GraphQLAnswer {
  data?: { contact?: Record<string, unknown> | null } | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

/** A GraphQL call that returns the whole answer, errors included (denied fields are errors in a 200). */
export async function rawGql(
  graphqlUrl: string,
  query: string,
  variables: unknown,
  headers: Record<string, string>,
): Promise<GraphQLAnswer> {
  const res = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as GraphQLAnswer;
}

/** The 360° fields an answer denied (FORBIDDEN at `contact.<field>`), and its other errors. */
export function deniedFields(answer: GraphQLAnswer): { denied: string[]; other: string[] } {
  const denied: string[] = [];
  const other: string[] = [];
  for (const e of answer.errors ?? []) {
    if (e.extensions?.code === 'FORBIDDEN' && e.path?.length === 2 && e.path[0] === 'contact') denied.push(String(e.path[1]));
    else other.push(`${e.extensions?.code ?? 'ERROR'} at ${e.path?.join('.') ?? '-'}: ${e.message}`);
  }
  return { denied, other };
}
