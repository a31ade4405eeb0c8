import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

/** A user of tenant B can neither read nor change tenant A's data, however they ask. */
describe('tenant isolation', () => {
  let platform: Platform;
  let a: TestTenant;
  let b: TestTenant;
  let tokenA: string;
  let tokenB: string;
  let contactA: string;

  beforeAll(async () => {
    platform = await startPlatform();
    a = await createTenant(platform, 'tenant-a');
    b = await createTenant(platform, 'tenant-b');
    tokenA = await a.tokenFor('sales_manager');
    tokenB = await b.tokenFor('sales_manager');
    const created = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          createContact(input: { lastName: "Secret", emails: ["secret@a.test"] }) {
            contact {
              id
            }
          }
        }
      `,
      {},
      bearer(tokenA),
    );
    contactA = created.data!.createContact.contact.id;
  });

  afterAll(() => platform?.stop());

  const byId = `query($id: ID!) { contact(id: $id) { id lastName } }`;
  const list = `{ contacts(first: 100) { totalCount edges { node { id } } } }`;
  const update = `mutation($id: ID!) { updateContact(input: { id: $id, lastName: "Hijacked" }) { contact { id } } }`;

  for (const via of ['gateway', 'sales subgraph directly'] as const) {
    describe(`via the ${via}`, () => {
      const url = () => (via === 'gateway' ? platform.graphqlUrl : `${platform.sales.url}/graphql`);

      it('hides the contact by id and in lists', async () => {
        const read = await graphql(url(), byId, { id: contactA }, bearer(tokenB));
        expect(read.errors).toBeUndefined();
        expect(read.data!.contact).toBeNull();
        const listed = await graphql(url(), list, {}, bearer(tokenB));
        expect(listed.data!.contacts.edges.map((e: any) => e.node.id)).not.toContain(contactA);
        const mine = await graphql(url(), list, {}, bearer(tokenA));
        expect(mine.data!.contacts.edges.map((e: any) => e.node.id)).toContain(contactA);
      });

      it('refuses to change it (NOT_FOUND, as if it did not exist)', async () => {
        const res = await graphql(url(), update, { id: contactA }, bearer(tokenB));
        expect(res.errors![0].extensions!.code).toBe('NOT_FOUND');
      });

      it('refuses callers with no token or a forged one', async () => {
        const none = await graphql(url(), byId, { id: contactA });
        expect(none.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
        // A token signed by someone else's key, claiming tenant A.
        const [h, p] = tokenB.split('.');
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
        const forgedPayload = Buffer.from(JSON.stringify({ ...claims, tid: a.id })).toString('base64url');
        const forged = await graphql(url(), byId, { id: contactA }, bearer(`${h}.${forgedPayload}.${tokenB.split('.')[2]}`));
        expect(forged.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
        expect(forged.data?.contact ?? null).toBeNull();
      });
    });
  }

  it('the contact is unchanged after all attempts', async () => {
    const read = await graphql(platform.graphqlUrl, byId, { id: contactA }, bearer(tokenA));
    expect(read.data!.contact).toEqual({ id: contactA, lastName: 'Secret' });
  });

  it('a customer sees only their own contact; an API key only what its scopes allow', async () => {
    const other = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          createContact(input: { lastName: "Other" }) {
            contact {
              id
            }
          }
        }
      `,
      {},
      bearer(tokenA),
    );
    const otherId = other.data!.createContact.contact.id;
    const admin = await a.tokenFor('admin');
    const key = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          createApiKey(input: { name: "partner", scopes: ["contacts:read"] }) {
            secret
          }
        }
      `,
      {},
      bearer(admin),
    );
    const apiKey = key.data!.createApiKey.secret;
    const listed = await graphql(platform.graphqlUrl, list, {}, { 'x-api-key': apiKey });
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.contacts.totalCount).toBeGreaterThanOrEqual(2);
    const write = await graphql(platform.graphqlUrl, update, { id: otherId }, { 'x-api-key': apiKey });
    expect(write.errors![0].extensions!.code).toBe('FORBIDDEN');
    const bad = await graphql(
      platform.graphqlUrl,
      list,
      {},
      { 'x-api-key': 'rpk_00000000000000000000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    );
    expect(bad.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });
});
