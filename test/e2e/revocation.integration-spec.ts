import { bearer, graphql, type GraphQLResponse } from '@rapport/testing';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway.env';
import { startGateway } from '../../apps/gateway/src/gateway-server';
import { subgraphUrlVariable } from '../../apps/gateway/src/subgraphs';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

/**
 * Revocation takes effect within seconds, not when tokens expire: a revoked
 * API key, a deactivated user and a demoted user's old token are refused at
 * the gateway and by a subgraph called directly with the old token. The
 * measured delays are printed so they can be quoted.
 */
describe('revocation', () => {
  const DEADLINE_MS = 5_000;
  const PASSWORD = 'revocation-password';
  let platform: Platform;
  let tenant: TestTenant;
  let admin: string;
  let salesGraphql: string;
  let identityGraphql: string;

  const contacts = `{ contacts(first: 1) { totalCount } }`;
  const me = `{ me { roles } }`;

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'revocation');
    admin = await tenant.tokenFor('admin');
    salesGraphql = `${platform.services.sales.url}/graphql`;
    identityGraphql = `${platform.identity.url}/graphql`;
  });

  afterAll(() => platform?.stop());

  async function asAdmin(query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(admin));
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data!;
  }

  async function login(email: string): Promise<{ accessToken: string; refreshToken: string }> {
    const res = await graphql(
      platform.graphqlUrl,
      `
        mutation ($i: LoginInput!) {
          login(input: $i) {
            accessToken
            refreshToken
          }
        }
      `,
      { i: { tenant: tenant.slug, email, password: PASSWORD } },
    );
    if (res.errors) throw new Error(`login failed: ${JSON.stringify(res.errors)}`);
    return res.data!.login;
  }

  async function newUser(name: string, roles: string[]): Promise<{ id: string; email: string }> {
    const email = `${name}@${tenant.slug}.test`;
    const data = await asAdmin(`mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }`, {
      i: { email, displayName: name, password: PASSWORD, roles },
    });
    return { id: data.createUser.user.id, email };
  }

  const refused = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED';

  /**
   * Polls until `request` is refused as UNAUTHENTICATED; returns the ms since
   * the change was sent (`sentAt`, conservative: it includes the mutation
   * itself), or fails after the deadline.
   */
  async function refusedWithin(
    label: string,
    sentAt: number,
    answeredAt: number,
    request: () => Promise<GraphQLResponse>,
  ): Promise<number> {
    for (;;) {
      const res = await request();
      const now = Date.now();
      if (refused(res)) {
        console.log(`revocation: ${label} refused ${now - sentAt} ms after the change was sent (${now - answeredAt} ms after it answered)`);
        return now - sentAt;
      }
      if (now - sentAt > DEADLINE_MS) throw new Error(`${label} still accepted after ${now - sentAt} ms: ${JSON.stringify(res)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The same old credentials at the gateway, at sales and at identity (its own verifier wiring) directly, polled together. */
  async function refusedEverywhere(
    what: string,
    sentAt: number,
    answeredAt: number,
    gateway: () => Promise<GraphQLResponse>,
    direct: Record<string, string>,
  ): Promise<void> {
    const delays = await Promise.all([
      refusedWithin(`${what} at the gateway`, sentAt, answeredAt, gateway),
      refusedWithin(`${what} at sales directly`, sentAt, answeredAt, () => graphql(salesGraphql, contacts, {}, direct)),
      refusedWithin(`${what} at identity directly`, sentAt, answeredAt, () => graphql(identityGraphql, me, {}, direct)),
    ]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(DEADLINE_MS);
  }

  async function expectAccepted(
    url: string,
    query: string,
    headers: Record<string, string>,
  ): Promise<GraphQLResponse<Record<string, any>>> {
    const res = await graphql(url, query, {}, headers);
    expect(res.errors).toBeUndefined();
    return res;
  }

  it('a revoked API key is refused at the gateway, and the token it was exchanged for by subgraphs called directly', async () => {
    const created = await asAdmin(
      `mutation { createApiKey(input: { name: "partner", scopes: ["contacts:read"] }) { apiKey { id } secret } }`,
    );
    const { id } = created.createApiKey.apiKey;
    const key = { 'x-api-key': created.createApiKey.secret as string };
    // The gateway exchanges and caches; a token of the same key, exchanged the same way, goes to sales directly.
    await expectAccepted(platform.graphqlUrl, contacts, key);
    const exchange = await fetch(`${platform.identity.url}/internal/api-keys/exchange`, { method: 'POST', headers: key });
    const exchanged = bearer(((await exchange.json()) as { accessToken: string }).accessToken);
    await expectAccepted(salesGraphql, contacts, exchanged);
    await expectAccepted(identityGraphql, me, exchanged);

    const sentAt = Date.now();
    await asAdmin(`mutation ($id: ID!) { revokeApiKey(id: $id) { apiKey { id } } }`, { id });
    await refusedEverywhere('revoked API key', sentAt, Date.now(), () => graphql(platform.graphqlUrl, contacts, {}, key), exchanged);
    // The gateway dropped the token it had cached for the key and asked identity again, which refuses the key itself.
    expect((await graphql(platform.graphqlUrl, contacts, {}, key)).errors![0].message).toBe('invalid or revoked API key');
  });

  it("a deactivated user's token is refused at the gateway and at subgraphs directly; their refresh fails", async () => {
    const user = await newUser('leaving-rep', ['sales_rep']);
    const { accessToken, refreshToken } = await login(user.email);
    await expectAccepted(platform.graphqlUrl, contacts, bearer(accessToken));
    await expectAccepted(salesGraphql, contacts, bearer(accessToken));
    await expectAccepted(identityGraphql, me, bearer(accessToken));

    const sentAt = Date.now();
    await asAdmin(`mutation ($id: ID!) { deactivateUser(id: $id) { user { id } } }`, { id: user.id });
    await refusedEverywhere(
      'deactivated user',
      sentAt,
      Date.now(),
      () => graphql(platform.graphqlUrl, contacts, {}, bearer(accessToken)),
      bearer(accessToken),
    );

    const refreshed = await graphql(
      platform.graphqlUrl,
      `
        mutation ($i: RefreshTokenInput!) {
          refreshToken(input: $i) {
            accessToken
          }
        }
      `,
      {
        i: { refreshToken },
      },
    );
    expect(refreshed.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a removed role stops being honoured: the old token is refused, a fresh login and a refresh carry the new roles at once', async () => {
    const user = await newUser('demoted-manager', ['sales_manager']);
    const old = await login(user.email);
    expect((await expectAccepted(platform.graphqlUrl, me, bearer(old.accessToken))).data!.me.roles).toEqual(['sales_manager']);
    await expectAccepted(salesGraphql, contacts, bearer(old.accessToken));
    await expectAccepted(identityGraphql, me, bearer(old.accessToken));

    const sentAt = Date.now();
    await asAdmin(`mutation ($i: UpdateUserInput!) { updateUser(input: $i) { user { id } } }`, {
      i: { id: user.id, roles: ['sales_rep'] },
    });
    const answeredAt = Date.now();
    // Signed in within the same second as the change: must work, with the new role only.
    const fresh = await login(user.email);
    await refusedEverywhere(
      'demoted user (old roles)',
      sentAt,
      answeredAt,
      () => graphql(platform.graphqlUrl, me, {}, bearer(old.accessToken)),
      bearer(old.accessToken),
    );

    expect((await expectAccepted(platform.graphqlUrl, me, bearer(fresh.accessToken))).data!.me.roles).toEqual(['sales_rep']);
    await expectAccepted(salesGraphql, contacts, bearer(fresh.accessToken));
    await expectAccepted(identityGraphql, me, bearer(fresh.accessToken));
    const refreshed = await graphql(
      platform.graphqlUrl,
      `
        mutation ($i: RefreshTokenInput!) {
          refreshToken(input: $i) {
            accessToken
          }
        }
      `,
      {
        i: { refreshToken: old.refreshToken },
      },
    );
    expect(refreshed.errors).toBeUndefined();
    const renewed = bearer(refreshed.data!.refreshToken.accessToken);
    expect((await expectAccepted(platform.graphqlUrl, me, renewed)).data!.me.roles).toEqual(['sales_rep']);
    await expectAccepted(salesGraphql, contacts, renewed);
  });

  it('a gateway without NATS still serves, and says under revocations in /health/ready that it is not following them', async () => {
    const gateway = await startGateway(
      loadGatewayConfig({
        ...process.env,
        PORT: '0',
        NATS_URL: 'nats://127.0.0.1:1',
        IDENTITY_URL: platform.identity.url,
        IDENTITY_JWKS_URL: `${platform.identity.url}/.well-known/jwks.json`,
        ...Object.fromEntries(Object.entries(platform.services).map(([name, s]) => [subgraphUrlVariable(name), `${s.url}/graphql`])),
      }),
    );
    try {
      const ready = await fetch(`${gateway.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: Record<string, unknown> }).checks.revocations).toMatchObject({
        status: 'failed',
        readiness: false,
        error: expect.stringMatching(/not followed/),
      });
      await expectAccepted(`${gateway.url}/graphql`, me, bearer(admin));
    } finally {
      await gateway.close();
    }
  });
});
