/**
 * The routes outside /graphql are limited too, called straight at the
 * service as through the gateway: sales' quote PDFs, identity's API-key
 * exchange, marketing's public links. Over the rate: 429 with Retry-After.
 * What the gateway forwards carries the caller's signed address, so a
 * subgraph counts each caller and never the gateway as one client; probes,
 * the JWKS and signed delivery receipts are never refused.
 */
import { randomUUID } from 'node:crypto';
import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';
import { inOneWindow } from '../harness/rate-limits';

jest.setTimeout(120_000);

/** Statuses of `n` calls in a row, and the last response (to read its Retry-After and body). */
async function burst(n: number, call: () => Promise<Response>): Promise<{ statuses: number[]; last: Response }> {
  const statuses: number[] = [];
  let last!: Response;
  for (let i = 0; i < n; i++) {
    last = await call();
    statuses.push(last.status);
    // Drain each body: an unread one keeps its connection busy.
    if (i < n - 1) await last.arrayBuffer();
  }
  return { statuses, last };
}

async function expectRateLimited(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  const body = (await res.json()) as { errors?: { extensions: { code: string } }[]; code?: string };
  expect(body.errors?.[0]?.extensions.code ?? body.code).toBe('RATE_LIMITED');
}

describe('rate limits on the HTTP routes outside /graphql (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let urls: { identity: string; sales: string; marketing: string; gateway: string };

  beforeAll(async () => {
    platform = await startPlatform(
      // One proxy hop in front of the gateway: the test names each client's address in X-Forwarded-For.
      // A user may make 4 calls a minute at the gateway (GraphQL and documents together).
      { TRUST_PROXY_HOPS: '1', RATE_LIMIT_PER_MINUTE: '4' },
      {
        identity: { ANON_RATE_LIMIT_PER_MINUTE: '3' },
        sales: { RATE_LIMIT_PER_MINUTE: '3', ANON_RATE_LIMIT_PER_MINUTE: '2' },
        marketing: { LINK_RATE_LIMIT_PER_MINUTE: '3' },
      },
    );
    tenant = await createTenant(platform, 'http-limits');
    urls = {
      identity: platform.identity.url,
      sales: platform.sales.url,
      marketing: platform.services.marketing.url,
      gateway: platform.gateway.url,
    };
  });

  afterAll(() => platform?.stop());

  it("sales' quote PDF: a direct caller with a token gets its rate, then 429; its GraphQL operations are counted apart", async () => {
    const token = await tenant.tokenFor('sales_rep');
    const pdf = () => fetch(`${urls.sales}/quotes/${randomUUID()}.pdf`, { headers: bearer(token) });
    const { statuses, last, graphqlCode } = await inOneWindow(async () => {
      const result = await burst(4, pdf);
      const op = await graphql(`${urls.sales}/graphql`, '{ contacts(first: 1) { totalCount } }', {}, bearer(token));
      return { ...result, graphqlCode: op.errors?.[0]?.extensions?.code };
    });
    expect(statuses).toEqual([404, 404, 404, 429]);
    await expectRateLimited(last);
    expect(graphqlCode).toBeUndefined();
  });

  it("sales' quote PDF: anonymous direct callers are counted per address at the anonymous rate", async () => {
    const { statuses, last } = await inOneWindow(() => burst(3, () => fetch(`${urls.sales}/quotes/${randomUUID()}.pdf`)));
    expect(statuses).toEqual([401, 401, 429]);
    await expectRateLimited(last);
  });

  it('the quote PDF through the gateway counts against the caller like its GraphQL operations', async () => {
    const token = await tenant.tokenFor('sales_manager');
    const { statuses, last } = await inOneWindow(() =>
      burst(5, () => fetch(`${urls.gateway}/quotes/${randomUUID()}.pdf`, { headers: bearer(token) })),
    );
    // Sales' own limit (3 a minute) is not what refuses: the gateway signed the caller, who gets its headroom there.
    expect(statuses).toEqual([404, 404, 404, 404, 429]);
    await expectRateLimited(last);
  });

  it("identity's API-key exchange: a direct caller trying keys is refused after the anonymous rate; the JWKS never is", async () => {
    const { statuses, last, jwks } = await inOneWindow(async () => {
      const tried = await burst(4, () =>
        fetch(`${urls.identity}/internal/api-keys/exchange`, { method: 'POST', headers: { 'x-api-key': `rk_${randomUUID()}` } }),
      );
      const jwks = await burst(8, () => fetch(`${urls.identity}/.well-known/jwks.json`));
      return { ...tried, jwks: jwks.statuses };
    });
    expect(statuses).toEqual([401, 401, 401, 429]);
    await expectRateLimited(last);
    expect(new Set(jwks)).toEqual(new Set([200]));
  });

  it('API keys tried through the gateway are counted per caller at identity, not as the gateway', async () => {
    const tryKey = (ip: string) =>
      graphql(platform.graphqlUrl, '{ __typename }', {}, { 'x-api-key': `rk_${randomUUID()}`, 'x-forwarded-for': ip });
    const { first, other } = await inOneWindow(async () => {
      const first: unknown[] = [];
      // Identity allows 3 a minute per address, times the gateway's headroom (4): the 13th is refused there.
      for (let i = 0; i < 13; i++) first.push((await tryKey('198.51.100.21')).errors?.[0]?.extensions?.code);
      return { first, other: (await tryKey('198.51.100.22')).errors?.[0]?.extensions?.code };
    });
    expect(first.slice(0, 12)).toEqual(Array(12).fill('UNAUTHENTICATED'));
    expect(first[12]).toBe('RATE_LIMITED');
    expect(other).toBe('UNAUTHENTICATED');
  });

  it("marketing's public links called directly: the link rate per address, then 429; signed receipts and probes are never refused", async () => {
    const { links, receipts, probes } = await inOneWindow(async () => ({
      links: await burst(4, () => fetch(`${urls.marketing}/m/c/not-a-token`)),
      receipts: await burst(6, () =>
        fetch(`${urls.marketing}/m/webhooks/receipts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      ),
      probes: await burst(6, () => fetch(`${urls.marketing}/health/live`)),
    }));
    expect(links.statuses.slice(0, 3)).not.toContain(429);
    expect(links.statuses[3]).toBe(429);
    await expectRateLimited(links.last);
    expect(receipts.statuses).not.toContain(429);
    expect(new Set(probes.statuses)).toEqual(new Set([200]));
  });

  it('every link route is limited, through the gateway per signed address', async () => {
    const routes: [string, string][] = [
      ['GET', '/m/o/x.y.gif'],
      ['GET', '/m/u/x.y'],
      ['POST', '/m/u/x.y'],
      ['GET', '/m/confirm/x.y'],
      ['POST', '/m/confirm/x.y'],
    ];
    for (const [i, [method, path]] of routes.entries()) {
      // Each route from an address of its own (the gateway signs it), so every one starts with a full budget:
      // marketing's 3 a minute times the headroom of signed calls (4), then refused.
      const headers = { 'x-forwarded-for': `203.0.113.${i + 1}` };
      const { statuses, last } = await inOneWindow(() => burst(13, () => fetch(`${urls.gateway}${path}`, { method, headers })));
      expect({ method, path, refused: statuses.slice(0, 12).filter((s) => s === 429).length }).toEqual({ method, path, refused: 0 });
      expect({ method, path, status: statuses[12] }).toEqual({ method, path, status: 429 });
      await expectRateLimited(last);
    }
  });
});
