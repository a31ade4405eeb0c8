import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { createLogger } from '@rapport/observability';
import { parse } from 'graphql';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Caller } from './auth/caller';
import { SubgraphDataSource } from './subgraph-data-source';

// Real sockets: a subgraph URL nothing listens on, one that never answers, and ones that answer 5xx.
const QUERY =
  'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Contact { cases { totalCount } } } }';

function fetchOf(query = QUERY): GraphQLDataSourceProcessOptions<Caller> {
  const representations = [
    { __typename: 'Contact', id: 'a' },
    { __typename: 'Contact', id: 'b' },
  ];
  // What executeQueryPlan hands a data source for an entity fetch.
  return {
    kind: 'incoming operation',
    request: { query, variables: { representations } },
    incomingRequestContext: {},
    context: {},
    document: parse(query),
  } as unknown as GraphQLDataSourceProcessOptions<Caller>;
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

const source = (url: string, timeoutMs = 5000) =>
  new SubgraphDataSource({ name: 'service', url, timeoutMs, logger: createLogger('gateway', 'silent'), gatewaySecret: '' });

describe('SubgraphDataSource when the subgraph is down or slow', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  it('answers a refused connection with SERVICE_UNAVAILABLE for each field of each entity', async () => {
    const { server, url } = await listen(() => undefined);
    await new Promise((resolve) => server.close(resolve)); // the port is now closed
    const response = await source(url).process(fetchOf());
    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual([
      {
        message: 'Subgraph "service" is unavailable',
        path: ['_entities', 0, 'cases'],
        extensions: { code: 'SERVICE_UNAVAILABLE', service: 'service' },
      },
      {
        message: 'Subgraph "service" is unavailable',
        path: ['_entities', 1, 'cases'],
        extensions: { code: 'SERVICE_UNAVAILABLE', service: 'service' },
      },
    ]);
  });

  it('gives up on a subgraph that never answers after the timeout, with TIMEOUT', async () => {
    const stalled = await listen(() => undefined); // takes the request, never responds
    servers.push(stalled.server);
    const started = Date.now();
    const response = await source(stalled.url, 300).process(fetchOf());
    expect(Date.now() - started).toBeLessThan(2000);
    expect(response.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['_entities', 0, 'cases'], 'TIMEOUT'],
      [['_entities', 1, 'cases'], 'TIMEOUT'],
    ]);
  });

  it('also times out a subgraph that sends its headers and then stalls mid-body', async () => {
    const halfway = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":');
    });
    servers.push(halfway.server);
    const response = await source(halfway.url, 300).process(fetchOf());
    expect(response.errors?.[0]?.extensions).toEqual({ code: 'TIMEOUT', service: 'service' });
  });

  it('treats a 5xx without a GraphQL body (a proxy in front of a dead pod) as SERVICE_UNAVAILABLE', async () => {
    const proxy = await listen((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
    servers.push(proxy.server);
    const response = await source(proxy.url).process(fetchOf());
    expect(response.errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'service' });
  });

  it("passes on the subgraph's own GraphQL errors sent with a 5xx", async () => {
    const body = { errors: [{ message: 'context failed', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
    const failing = await listen((_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
    servers.push(failing.server);
    expect((await source(failing.url).process(fetchOf())).errors).toEqual(body.errors);
  });

  it('still throws on failures that are not a down or slow subgraph (a 400)', async () => {
    const strict = await listen((_req, res) => res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request'));
    servers.push(strict.server);
    await expect(source(strict.url).process(fetchOf())).rejects.toThrow('400');
  });
});
