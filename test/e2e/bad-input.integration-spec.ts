import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform } from '../harness/platform';

/** Bad input gets BAD_USER_INPUT naming the field, and nothing is written. */
describe('bad input', () => {
  let platform: Platform;
  let token: string;
  let tenant: Awaited<ReturnType<typeof createTenant>>;

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'badinput');
    token = await tenant.tokenFor('sales_rep');
  });

  afterAll(() => platform?.stop());

  const create = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`;
  const count = async () =>
    (
      await graphql(
        platform.graphqlUrl,
        `
          {
            contacts {
              totalCount
            }
          }
        `,
        {},
        bearer(token),
      )
    ).data!.contacts.totalCount as number;

  const cases: [string, string, Record<string, unknown>, string][] = [
    ['an over-long last name', create, { input: { lastName: 'x'.repeat(101) } }, 'lastName'],
    ['an empty last name', create, { input: { lastName: '   ' } }, 'lastName'],
    ['a malformed email', create, { input: { lastName: 'A', emails: ['ok@x.test', 'not-an-email'] } }, 'emails[1]'],
    ['a malformed account id', create, { input: { lastName: 'A', accountId: 'abc' } }, 'accountId'],
    ['an account of nobody', create, { input: { lastName: 'A', accountId: '0190f0f0-0000-7000-8000-000000000000' } }, 'accountId'],
    ['a wrong type', create, { input: { lastName: 42 } }, 'input.lastName'],
    ['an unknown field', create, { input: { lastName: 'A', nickname: 'Al' } }, 'nickname'],
    ['a missing required field', create, { input: { firstName: 'A' } }, 'lastName'],
    ['a malformed id in a query', `query($id: ID!) { contact(id: $id) { id } }`, { id: 'not-a-uuid' }, 'id'],
    ['a bad cursor', `{ contacts(after: "garbage") { totalCount } }`, {}, 'after'],
    ['a page too large', `{ contacts(first: 5000) { totalCount } }`, {}, 'first'],
    ['a NUL character in text', create, { input: { lastName: 'Love\u0000lace' } }, 'input.lastName'],
    [
      'a cursor crafted with values of the wrong kind',
      `query($after: String) { contacts(after: $after) { totalCount } }`,
      { after: Buffer.from(JSON.stringify(['not-a-date', 'not-a-uuid'])).toString('base64url') },
      'after',
    ],
    ...['2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01T24:00:00Z', 'yesterday'].map(
      (at): [string, string, Record<string, unknown>, string] => [
        `the instant ${at}`,
        `query($at: DateTime) { contacts(filter: { createdAfter: $at }) { totalCount } }`,
        { at },
        'at',
      ],
    ),
  ];

  it.each(cases)('rejects %s', async (_name, query, variables, field) => {
    const before = await count();
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(token));
    expect(res.errors).toBeDefined();
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await count()).toBe(before);
  });

  it('rejects an unknown field in an inline literal too', async () => {
    const res = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          createContact(input: { lastName: "A", shoeSize: 9 }) {
            contact {
              id
            }
          }
        }
      `,
      {},
      bearer(token),
    );
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'shoeSize' });
  });

  it('refuses a NUL character in any argument of any operation, even one that never validates its text (PostgreSQL cannot store it)', async () => {
    const admin = await tenant.tokenFor('admin');
    const literal = `mutation { unsuppressAddress(channel: EMAIL, address: "a\\u0000b") }`;
    const viaVariable = `mutation($address: String!) { unsuppressAddress(channel: EMAIL, address: $address) }`;
    for (const [query, variables, field] of [
      [literal, {}, 'address'],
      [viaVariable, { address: '\u0000' }, 'address'],
    ] as const) {
      const res = await graphql(platform.graphqlUrl, query, variables, bearer(admin));
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      const direct = await graphql(`${platform.services.marketing.url}/graphql`, query, variables, bearer(admin));
      expect(direct.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('refuses over-deep and over-costly queries before running them', async () => {
    const deep = await graphql(
      platform.graphqlUrl,
      `
        {
          contacts(first: 100) {
            edges {
              node {
                account {
                  contacts(first: 100) {
                    edges {
                      node {
                        account {
                          contacts(first: 100) {
                            totalCount
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      `,
      {},
      bearer(token),
    );
    expect(deep.errors![0].extensions!.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses variables with more problems than graphql-js counts (at a subgraph) as BAD_USER_INPUT, every error', async () => {
    const res = await graphql(
      `${platform.sales.url}/graphql`,
      create,
      { input: { lastName: 'A', emails: Array.from({ length: 60 }, () => 42) } },
      bearer(token),
    );
    expect(res.status).toBe(400);
    expect(res.errors!.length).toBeGreaterThan(50);
    expect(new Set(res.errors!.map((e) => e.extensions!.code))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(res.errors!.at(-1)!.extensions).toMatchObject({ field: 'variables' });
  });

  it('a subgraph called directly refuses _entities representations it cannot resolve, naming the entry', async () => {
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id } } }';
    const cases: [unknown, string][] = [
      [{ __typename: 'Case', id: '0190f0f0-0000-7000-8000-000000000000' }, 'representations[0].__typename'],
      [{ __typename: 'Contact', id: { a: 1 } }, 'representations[0].id'],
    ];
    for (const [representation, field] of cases) {
      const res = await graphql(`${platform.services.analytics.url}/graphql`, query, { r: [representation] }, bearer(token));
      expect({ status: res.status, extensions: res.errors?.[0]?.extensions }).toMatchObject({
        status: 400,
        extensions: { code: 'BAD_USER_INPUT', field },
      });
    }
  });

  it('refuses a subscription over HTTP (the gateway serves them over WebSocket; a subgraph has none) as the caller’s error', async () => {
    for (const [url, query] of [
      [platform.graphqlUrl, 'subscription { myNotifications { id } }'],
      [`${platform.sales.url}/graphql`, 'subscription { contactCreated { id } }'],
    ]) {
      const res = await graphql(url, query, {}, bearer(token));
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'query' });
    }
  });

  it('answers malformed requests as the caller’s error, naming the part at fault', async () => {
    const post = (body: unknown) =>
      fetch(platform.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...bearer(token) },
        body: JSON.stringify(body),
      });
    const twoOperations = await post({ query: 'query A { contacts { totalCount } } query B { contacts { totalCount } }' });
    const batched = await post([{ query: '{ contacts { totalCount } }' }]);
    const getMutation = await fetch(
      `${platform.graphqlUrl}?query=${encodeURIComponent('mutation { createContact(input: { lastName: "Get" }) { contact { id } } }')}`,
      { headers: { 'apollo-require-preflight': 'true', ...bearer(token) } },
    );
    const fieldsOf = async (res: Response) => {
      const body = (await res.json()) as { errors: { extensions: { code: string; field?: string } }[] };
      return [res.status, body.errors[0].extensions.code, body.errors[0].extensions.field];
    };
    expect(await fieldsOf(twoOperations)).toEqual([400, 'BAD_USER_INPUT', 'operationName']);
    expect(await fieldsOf(batched)).toEqual([400, 'BAD_USER_INPUT', 'body']);
    expect(await fieldsOf(getMutation)).toEqual([405, 'BAD_USER_INPUT', 'method']);
  });
});
