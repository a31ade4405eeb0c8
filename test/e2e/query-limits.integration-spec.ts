import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

/** `contacts { edges { node { account { … leaf } } } }`, `levels` times over: 4 × levels deep, plus the leaf. */
function contactsAccountChain(levels: number, leaf = 'id'): string {
  let inner = leaf;
  for (let i = 0; i < levels; i++) inner = `contacts { edges { node { account { ${inner} } } } }`;
  return `{ ${inner} }`;
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...headers },
    body,
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as { errors?: any[] } };
}

/** What one request may ask, refused before it runs, at the gateway and at a subgraph called directly (ADR 017). */
describe('query limits', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let salesGraphql: string;

  beforeAll(async () => {
    platform = await startPlatform(
      { RATE_LIMIT_PER_MINUTE: '5', ANON_RATE_LIMIT_PER_MINUTE: '1000' },
      { sales: { HOST: '127.0.0.1' }, service: { HOST: '0.0.0.0' } },
    );
    tenant = await createTenant(platform, 'limits');
    salesGraphql = `${platform.services.sales.url}/graphql`;
  });

  afterAll(() => platform?.stop());

  it('a subgraph called directly refuses a 37-deep contacts → account → contacts query before running it, and keeps answering', async () => {
    const token = await tenant.tokenFor('sales_rep');
    const started = Date.now();
    const res = await graphql(salesGraphql, contactsAccountChain(9), {}, bearer(token));
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', depth: 37, maxDepth: 12 });
    expect(Date.now() - started).toBeLessThan(2000);
    const after = await graphql(salesGraphql, '{ contacts(first: 1) { totalCount } }', {}, bearer(token));
    expect(after.errors).toBeUndefined();
  });

  it('a subgraph counts `_entities` by its representations', async () => {
    const token = await tenant.tokenFor('sales_manager');
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id lastName } } }';
    const reps = (n: number) => ({ r: Array.from({ length: n }, (_, i) => ({ __typename: 'Contact', id: `c${i}` })) });
    // 1 + 20,000 × 2 is just over twice MAX_QUERY_COST (the headroom a subgraph gives query plans).
    const res = await graphql(salesGraphql, query, reps(20_000), bearer(token));
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 40_001, maxCost: 40_000 });
  });

  it('the gateway refuses the 37-deep query too', async () => {
    const res = await graphql(platform.graphqlUrl, contactsAccountChain(9), {}, bearer(await tenant.tokenFor('marketer')));
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxDepth: 12 });
  });

  it('counts lists without `first` at their default page size: five aliases of a nested list are refused by cost', async () => {
    const token = await tenant.tokenFor('support_agent');
    // Three nested default pages of 20: about 9,700, so one passes and five (48,000) do not.
    const nested = contactsAccountChain(2, 'contacts { totalCount }').slice(1, -1);
    const one = await graphql(platform.graphqlUrl, `{ ${nested} }`, {}, bearer(token));
    expect(one.errors).toBeUndefined();
    const five = ['a', 'b', 'c', 'd', 'e'].map((alias) => `${alias}: ${nested}`).join(' ');
    const res = await graphql(platform.graphqlUrl, `{ ${five} }`, {}, bearer(token));
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxCost: 20_000 });
  });

  it('refuses 10,000 aliased __typename from an anonymous caller in the parser, and fewer by the alias limit', async () => {
    const flood = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `t${i}: __typename`).join(' ')} }`;
    const started = Date.now();
    const res = await graphql(platform.graphqlUrl, flood(10_000));
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).toContain('10000 tokens');
    // Parsing stops at the limit: no validation of 10,000 fields (~0.6 s alone).
    expect(Date.now() - started).toBeLessThan(500);
    const aliased = await graphql(platform.graphqlUrl, flood(3_000));
    expect(aliased.status).toBe(400);
    expect(aliased.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', aliases: 3_000, maxAliases: 100 });
    const direct = await graphql(salesGraphql, flood(10_000), {}, bearer(await tenant.tokenFor('analyst')));
    expect(direct.status).toBe(400);
    expect(direct.errors?.[0]?.message).toContain('20000 tokens');
    // Under the alias limit, the anonymous budget still stops it.
    const selection = '__schema { types { name kind description fields { name description args { name } type { name kind } } } }';
    const cheap = Array.from({ length: 50 }, (_, i) => `t${i}: ${selection}`).join(' ');
    const anon = await graphql(platform.graphqlUrl, `{ ${cheap} }`);
    expect(anon.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxCost: 500 });
  });

  it('answers an oversized body 413 with a JSON error, at the gateway and at a subgraph', async () => {
    const body = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1_500_000) } });
    for (const url of [platform.graphqlUrl, salesGraphql]) {
      const res = await post(url, body);
      expect({ url, status: res.status, type: res.type }).toEqual({ url, status: 413, type: expect.stringContaining('application/json') });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', maxBytes: 1_048_576 });
    }
  });

  it('binds a subgraph to HOST', () => {
    const address = (name: string) => (platform.services[name].app.getHttpServer().address() as { address: string }).address;
    expect(address('sales')).toBe('127.0.0.1');
    expect(address('service')).toBe('0.0.0.0');
  });

  it('counts a caller’s invalid and refused operations against its rate', async () => {
    const token = await tenant.tokenFor('sales_manager');
    // Windows are whole minutes: start well inside one so the calls share it.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const codes: unknown[] = [];
    for (const query of ['{ contacts(', '{ noSuchField }', contactsAccountChain(9), '{ contacts(', '{ noSuchField }']) {
      codes.push((await graphql(platform.graphqlUrl, query, {}, bearer(token))).errors?.[0]?.extensions?.code);
    }
    expect(codes).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'QUERY_TOO_COMPLEX', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
    const sixth = await graphql(platform.graphqlUrl, '{ contacts(first: 1) { totalCount } }', {}, bearer(token));
    expect(sixth.status).toBe(429);
    expect(sixth.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });
});
