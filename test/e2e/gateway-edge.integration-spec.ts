import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

/** What the gateway does before any subgraph sees a request. */
describe('gateway edge', () => {
  let platform: Platform;
  let tenant: TestTenant;

  beforeAll(async () => {
    platform = await startPlatform({ RATE_LIMIT_PER_MINUTE: '5', ANON_RATE_LIMIT_PER_MINUTE: '1000' });
    tenant = await createTenant(platform, 'edge');
  });

  afterAll(() => platform?.stop());

  it('rate-limits each caller separately, in Redis', async () => {
    const [first, second] = [await tenant.tokenFor('sales_rep'), await tenant.tokenFor('marketer')];
    // Windows are whole minutes: start well inside one so the six calls share it.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await graphql(
        platform.graphqlUrl,
        `
          {
            contacts(first: 1) {
              totalCount
            }
          }
        `,
        {},
        bearer(first),
      );
      codes.push(res.errors?.[0]?.extensions?.code as string | undefined);
    }
    expect(codes.slice(0, 5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(codes[5]).toBe('RATE_LIMITED');
    const other = await graphql(
      platform.graphqlUrl,
      `
        {
          contacts(first: 1) {
            totalCount
          }
        }
      `,
      {},
      bearer(second),
    );
    expect(other.errors).toBeUndefined();
  });

  it("tells every caller its quota in RateLimit headers and applies the tenant's quota per key and per user, invalid requests included", async () => {
    const admin = await tenant.tokenFor('admin');
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const post = (headers: Record<string, string>, body: string) =>
      fetch(platform.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const created = await post(
      bearer(admin),
      JSON.stringify({
        query: `mutation { createApiKey(input: { name: "metered", scopes: ["contacts:read"], ratePerMinute: 3 }) { secret } }`,
      }),
    );
    expect(created.headers.get('ratelimit-policy')).toBe('"caller";q=5;w=60');
    expect(created.headers.get('ratelimit')).toMatch(/^"caller";r=4;t=\d+$/);
    const key = { 'x-api-key': ((await created.json()) as any).data.createApiKey.secret as string };

    const valid = JSON.stringify({ query: '{ contacts(first: 1) { totalCount } }' });
    const answers = [await post(key, valid), await post(key, '{ "query": "{ nope" }'), await post(key, 'not json'), await post(key, valid)];
    expect(answers.map((a) => a.headers.get('ratelimit-policy'))).toEqual(Array(4).fill('"caller";q=3;w=60'));
    expect(answers.map((a) => a.headers.get('ratelimit')?.replace(/;t=\d+$/, ''))).toEqual([
      '"caller";r=2',
      '"caller";r=1',
      '"caller";r=0',
      '"caller";r=0',
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 400, 400, 429]);
    expect(Number(answers[3].headers.get('retry-after'))).toBeGreaterThan(0);

    // A user's quota comes with their next token.
    const rep = await tenant.createUser('metered-rep', ['sales_rep']);
    const set = await graphql(
      platform.graphqlUrl,
      `
        mutation ($id: ID!) {
          setCallerQuota(input: { userId: $id, ratePerMinute: 40 }) {
            user {
              ratePerMinute
            }
          }
        }
      `,
      { id: rep.id },
      bearer(admin),
    );
    expect(set.data!.setCallerQuota.user).toEqual({ ratePerMinute: 40 });
    expect((await post(bearer(rep.token), valid)).headers.get('ratelimit-policy')).toBe('"caller";q=5;w=60');
    const signIn = await graphql(
      platform.graphqlUrl,
      `
        mutation ($i: LoginInput!) {
          login(input: $i) {
            accessToken
          }
        }
      `,
      {
        i: { tenant: tenant.slug, email: `metered-rep@${tenant.slug}.test`, password: 'integration-password' },
      },
    );
    const res = await post(bearer(signIn.data!.login.accessToken), valid);
    expect(res.headers.get('ratelimit-policy')).toBe('"caller";q=40;w=60');
    const refused = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          setCallerQuota(input: { ratePerMinute: 0 }) {
            user {
              id
            }
          }
        }
      `,
      {},
      bearer(admin),
    );
    expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ratePerMinute' });
  });

  it('lets anonymous callers sign in but nothing else', async () => {
    const res = await graphql(
      platform.graphqlUrl,
      `
        {
          contacts {
            totalCount
          }
        }
      `,
    );
    expect(res.status).toBe(401);
    expect(res.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const mixed = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          login(input: { tenant: "x", email: "a@b.c", password: "p" }) {
            accessToken
          }
          createContact(input: { lastName: "x" }) {
            contact {
              id
            }
          }
        }
      `,
    );
    expect(mixed.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });

  it("answers sign-ins to a locked account with identity's RATE_LIMITED and retryAfter, as a client sees them", async () => {
    const attempt = () =>
      graphql(platform.graphqlUrl, 'mutation ($i: LoginInput!) { login(input: $i) { accessToken } }', {
        i: { tenant: tenant.slug, email: `locked@${tenant.slug}.test`, password: 'guess' },
      });
    // Identity's default: 10 failures per account in 15 minutes lock it.
    for (let i = 0; i < 10; i++) expect((await attempt()).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const refused = await attempt();
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(refused.errors![0].message).toMatch(/^too many failed sign-in attempts; try again in \d+ s$/);
  });

  it('serves the GraphQL IDE from its own assets (offline) to browsers', async () => {
    const page = await fetch(platform.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/graphiql/graphiql.js');
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|embeddable)/);
    for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css']) {
      const res = await fetch(`${platform.gateway.url}/graphiql/${asset}`);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });

  it('sees every subgraph hold idle connections 65 s, as the gateway does, so reusing one never races its close', async () => {
    for (const [name, service] of Object.entries(platform.services)) {
      const res = await fetch(`${service.url}/health/live`);
      expect({ name, keepAlive: res.headers.get('keep-alive') }).toEqual({ name, keepAlive: 'timeout=65' });
    }
  });

  it('reports readiness of its own dependencies only, each subgraph separately, and exposes metrics', async () => {
    const ready = await fetch(`${platform.gateway.url}/health/ready`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { checks: Record<string, unknown> };
    // Revocations, subscription events and the read cache are reported but never make the gateway unready
    // (it serves without NATS, and without its cache).
    expect(Object.keys(report.checks).sort()).toEqual(['graphql', 'read-cache', 'redis', 'revocations', 'subscriptions']);
    expect(report).toMatchObject({
      status: 'ok',
      checks: {
        redis: { status: 'ok' },
        graphql: { status: 'ok' },
        revocations: { status: 'ok' },
        subscriptions: { status: 'ok', readiness: false },
        'read-cache': { status: 'ok', readiness: false },
      },
    });
    const subgraphs = await fetch(`${platform.gateway.url}/health/subgraphs`);
    expect(subgraphs.status).toBe(200);
    const states = ((await subgraphs.json()) as { subgraphs: { name: string; url: string; status: string }[] }).subgraphs;
    expect(states.map((s) => [s.name, s.status])).toEqual(
      ['identity', 'sales', 'service', 'analytics', 'marketing'].map((name) => [name, 'ok']),
    );
    expect(states.find((s) => s.name === 'sales')?.url).toBe(`${platform.sales.url}/graphql`);
    expect(await (await fetch(`${platform.gateway.url}/metrics`)).text()).toContain('process_cpu_seconds_total');
  });
});
