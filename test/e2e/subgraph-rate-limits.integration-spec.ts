/**
 * Every subgraph limits its callers itself, before parsing, so a caller
 * that reaches a subgraph port directly is limited as at the gateway; calls
 * through the gateway count against the real caller (its token, or the
 * address the gateway signed with GATEWAY_SECRET), not the gateway as one
 * client, and an address header without that signature counts for nothing.
 */
import { CLIENT_IP_HEADER, GATEWAY_SIGNATURE_HEADER, signForwardedCaller } from '@rapport/auth';
import { bearer, graphql, type GraphQLResponse } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';
import { inOneWindow } from '../harness/rate-limits';

jest.setTimeout(120_000);

const CONTACTS = '{ contacts(first: 1) { totalCount } }';
const BOGUS_REFRESH = 'mutation { refreshToken(input: { refreshToken: "not-a-refresh-token" }) { accessToken } }';

const codeOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code as string | undefined;

describe('rate limits at the subgraphs (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let salesUrl: string;

  beforeAll(async () => {
    // The gateway keeps its defaults (1200 / 60 per minute); sales and identity are strict, so the subgraphs' own limits show.
    // Counters of its own: every suite calls from 127.0.0.1, and one that ran a moment before in the same
    // minute would otherwise have spent part of this address's anonymous budget at sales.
    const own = { REDIS_PREFIX: `${process.env.REDIS_PREFIX}:subgraph-limits` };
    platform = await startPlatform(
      // One proxy hop in front of the gateway: the test names each client's address in X-Forwarded-For.
      { TRUST_PROXY_HOPS: '1', ...own },
      {
        identity: { ANON_RATE_LIMIT_PER_MINUTE: '2', ...own },
        sales: { RATE_LIMIT_PER_MINUTE: '3', ANON_RATE_LIMIT_PER_MINUTE: '2', ...own },
        service: own,
        analytics: own,
        marketing: own,
      },
    );
    tenant = await createTenant(platform, 'subgraph-limits');
    salesUrl = `${platform.sales.url}/graphql`;
  });

  afterAll(() => platform?.stop());

  it('limits a caller with a token who calls a subgraph directly, before parsing its request', async () => {
    const token = await tenant.tokenFor('sales_rep');
    const { codes, garbage } = await inOneWindow(async () => {
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 4; i++) codes.push(codeOf(await graphql(salesUrl, CONTACTS, {}, bearer(token))));
      // Not even JSON: refused by the limit, not by the parser.
      const garbage = await fetch(salesUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(token) },
        body: '{ this is not json',
      });
      return { codes, garbage };
    });
    expect(codes).toEqual([undefined, undefined, undefined, 'RATE_LIMITED']);
    expect(garbage.status).toBe(429);
    expect(Number(garbage.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await garbage.json()).toEqual({
      errors: [
        { message: expect.stringMatching(/^rate limit exceeded/), extensions: { code: 'RATE_LIMITED', retryAfter: expect.any(Number) } },
      ],
    });
  });

  it('gives the same caller through the gateway room for its query plans (more than the direct rate)', async () => {
    const token = await tenant.tokenFor('sales_manager');
    const codes = await inOneWindow(async () => {
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 6; i++) codes.push(codeOf(await graphql(platform.graphqlUrl, CONTACTS, {}, bearer(token))));
      return codes;
    });
    expect(codes).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('counts anonymous calls through the gateway per real caller address, not as the gateway', async () => {
    const viaGateway = (ip: string) => graphql(platform.graphqlUrl, BOGUS_REFRESH, {}, { 'x-forwarded-for': ip });
    const { first, other } = await inOneWindow(async () => {
      const first: (string | undefined)[] = [];
      // Identity allows 2 per minute per address, times the gateway's headroom (4): the ninth is refused there.
      for (let i = 0; i < 9; i++) first.push(codeOf(await viaGateway('203.0.113.10')));
      return { first, other: codeOf(await viaGateway('203.0.113.11')) };
    });
    expect(first).toEqual([...Array<string>(8).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
    // Another client behind the same gateway is not held back by the first.
    expect(other).toBe('UNAUTHENTICATED');
  });

  it('ignores an address header that the gateway did not sign: a direct caller cannot pose as many clients', async () => {
    const stale = signForwardedCaller(process.env.GATEWAY_SECRET as string, '203.0.113.99', Date.now() - 5 * 60_000);
    const codes = await inOneWindow(async () => {
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 3; i++) {
        const forged = {
          [CLIENT_IP_HEADER]: `198.51.100.${i}`,
          // A signature for another address, then one that expired, then none at all.
          ...(i === 0 ? { [GATEWAY_SIGNATURE_HEADER]: stale[GATEWAY_SIGNATURE_HEADER] } : {}),
          ...(i === 1 ? stale : {}),
        };
        codes.push(codeOf(await graphql(salesUrl, '{ __typename }', {}, forged)));
      }
      return codes;
    });
    // Anonymous direct calls to sales: 2 per minute for this machine's address, whatever the headers claim.
    expect(codes).toEqual([undefined, undefined, 'RATE_LIMITED']);
  });
});
