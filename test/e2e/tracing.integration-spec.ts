/**
 * OpenTelemetry through the platform: the gateway and the sales subgraph run
 * as built processes (tracing patches modules as the process loads them, which
 * Jest's module system does not go through) with OTEL_EXPORTER_OTLP_ENDPOINT
 * pointing at a receiver in this test. One client request must come out as
 * one trace: the gateway's server span, its call to sales, sales' server span
 * under it, and the SQL sales ran, without the statement's values.
 * Needs `npm run build` first (npm test does it).
 */
import { createServer, type Server } from 'node:http';
import { bearer, graphql } from '@rapport/testing';
import { eventually } from '../harness/marketing-fixtures';
import { createTenant, startPlatform, type Platform } from '../harness/platform';
import { freePort, ServiceProcess } from '../harness/service-process';
import { subgraphUrlVariable } from '../../apps/gateway/src/subgraphs';

jest.setTimeout(240_000);

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** OTLP/HTTP JSON as the exporter sends it: resourceSpans → scopeSpans → spans, attributes as key/value lists. */
interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpBody {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: (Omit<ReceivedSpan, 'service' | 'attributes'> & { attributes?: OtlpAttribute[] })[] }[];
  }[];
}

const attributes = (list: OtlpAttribute[] = []) => Object.fromEntries(list.map((a) => [a.key, Object.values(a.value)[0]]));

/** Collects every span posted to /v1/traces. */
async function otlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody;
        for (const resource of body.resourceSpans ?? []) {
          const service = String(attributes(resource.resource?.attributes)['service.name']);
          for (const scope of resource.scopeSpans ?? [])
            for (const span of scope.spans ?? []) spans.push({ ...span, service, attributes: attributes(span.attributes) });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('tracing (built gateway and sales processes exporting OTLP)', () => {
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let platform: Platform;
  let sales: ServiceProcess;
  let service: ServiceProcess;
  let gateway: ServiceProcess;
  let token: string;

  beforeAll(async () => {
    receiver = await otlpReceiver();
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100', LOG_LEVEL: 'error' };
    // Sales (the producer) and service (a consumer of its contact events) run traced, as processes of their own.
    const [salesPort, servicePort] = [await freePort(), await freePort()];
    platform = await startPlatform(
      {
        [subgraphUrlVariable('sales')]: `http://127.0.0.1:${salesPort}/graphql`,
        [subgraphUrlVariable('service')]: `http://127.0.0.1:${servicePort}/graphql`,
      },
      {},
      { skip: ['sales', 'service'] },
    );
    const identity = { IDENTITY_JWKS_URL: `${platform.identity.url}/.well-known/jwks.json`, IDENTITY_URL: platform.identity.url };
    sales = await ServiceProcess.start('sales', { ...tracing, ...identity, NODE_ENV: 'test' }, salesPort);
    service = await ServiceProcess.start('service', { ...tracing, ...identity, NODE_ENV: 'test' }, servicePort);
    const subgraphs = Object.fromEntries(
      Object.entries(platform.services).map(([name, started]) => [subgraphUrlVariable(name), `${started.url}/graphql`]),
    );
    gateway = await ServiceProcess.start('gateway', {
      ...tracing,
      ...identity,
      ...subgraphs,
      [subgraphUrlVariable('sales')]: `${sales.url}/graphql`,
      [subgraphUrlVariable('service')]: `${service.url}/graphql`,
      NODE_ENV: 'test',
    });
    const tenant = await createTenant(platform, 'tracing');
    token = await tenant.tokenFor('admin');
  });

  afterAll(async () => {
    await gateway?.stop();
    await service?.stop();
    await sales?.stop();
    await platform?.stop();
    await receiver?.close();
  });

  /** Creates a contact through the traced gateway; its id. */
  async function createContact(lastName: string): Promise<string> {
    const created = await graphql(
      `${gateway.url}/graphql`,
      `
        mutation ($i: CreateContactInput!) {
          createContact(input: $i) {
            contact {
              id
            }
          }
        }
      `,
      { i: { lastName } },
      bearer(token),
    );
    expect(created.errors).toBeUndefined();
    return created.data!.createContact.contact.id as string;
  }

  it('shows a client request as one trace: gateway, its call to sales, sales and its SQL without values', async () => {
    const lastName = `Traced-${Date.now()}`;
    const id = await createContact(lastName);
    const res = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json', 'x-request-id': `trace-${id}` },
      body: JSON.stringify({ query: `query($id: ID!) { contact(id: $id) { id lastName } }`, variables: { id } }),
    });
    expect(((await res.json()) as { data: unknown }).data).toEqual({ contact: { id, lastName } });

    // Semantic conventions renamed db.system to db.system.name; either marks a SQL span.
    const isSql = (s: ReceivedSpan) => (s.attributes['db.system.name'] ?? s.attributes['db.system']) === 'postgresql';
    // The trace of the read: the one holding sales' SELECT on contacts under a gateway span.
    const isSalesSelect = (s: ReceivedSpan) =>
      s.service === 'rapport-sales' &&
      isSql(s) &&
      /SELECT[\s\S]*contacts/i.test(String(s.attributes['db.statement'] ?? s.attributes['db.query.text'] ?? ''));
    // Each process exports on its own schedule: a trace is complete once the gateway's side of the call has arrived too.
    const complete = (spans: ReceivedSpan[]) =>
      spans.some((s) => s.service === 'rapport-sales' && s.kind === 2 && spans.some((c) => c.spanId === s.parentSpanId)) &&
      spans.some((s) => s.service === 'rapport-gateway' && s.name.startsWith('gateway.'));
    const trace = await eventually(
      () => {
        const traceIds = new Set(receiver.spans.filter(isSalesSelect).map((s) => s.traceId));
        const traces = [...traceIds].map((id) => receiver.spans.filter((s) => s.traceId === id));
        return Promise.resolve(traces.find(complete) ?? []);
      },
      (spans) => spans.length > 0,
      30_000,
    ).catch((error: Error) => {
      const seen = receiver.spans.map((s) => `${s.service} ${s.kind} ${s.name} trace ${s.traceId} parent ${s.parentSpanId ?? '-'}`);
      throw new Error(`${error.message}\nspans received:\n${seen.join('\n')}`);
    });
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const salesServer = trace.find((s) => s.service === 'rapport-sales' && s.kind === 2)!;
    // Sales' server span hangs under the gateway's client call to it: one trace, not two.
    const caller = byId.get(salesServer.parentSpanId);
    expect(caller).toMatchObject({ service: 'rapport-gateway', kind: 3 });
    // @apollo/gateway's own spans join the trace (planning and fetching).
    expect(trace.some((s) => s.service === 'rapport-gateway' && s.name.startsWith('gateway.'))).toBe(true);
    // SQL is recorded as statements, never with the values bound to them.
    const sql = trace.filter(isSql);
    expect(sql.length).toBeGreaterThan(0);
    expect(JSON.stringify(receiver.spans)).not.toContain(lastName);
    // Probes and scrapers are not traced.
    expect(receiver.spans.some((s) => String(s.attributes['url.path'] ?? s.attributes['http.target'] ?? '').startsWith('/health'))).toBe(
      false,
    );
  });

  it("carries a mutation's trace through the outbox and NATS into the consumer that applies its event", async () => {
    const lastName = `Consumed-${Date.now()}`;
    const id = await createContact(lastName);
    // The consumer's span for this contact's event, in the trace the gateway request started.
    const consumed = await eventually(
      () =>
        Promise.resolve(
          receiver.spans.find(
            (s) =>
              s.service === 'rapport-service' &&
              s.kind === 5 &&
              s.name === 'sales.contact.created process' &&
              receiver.spans.some((g) => g.traceId === s.traceId && g.service === 'rapport-gateway' && g.kind === 2) &&
              receiver.spans.some((p) => p.traceId === s.traceId && p.service === 'rapport-sales'),
          ),
        ),
      (span) => span !== undefined,
      30_000,
    ).catch((error: Error) => {
      const seen = receiver.spans.filter((s) => s.kind === 5).map((s) => `${s.service} ${s.name} trace ${s.traceId}`);
      throw new Error(`${error.message}\nconsumer spans received:\n${seen.join('\n')}`);
    });
    const trace = receiver.spans.filter((s) => s.traceId === consumed!.traceId);
    // The same trace holds the mutation's SQL in sales, the gateway's request and the consumer's work in service.
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['rapport-gateway', 'rapport-sales', 'rapport-service']));
    expect(JSON.stringify(receiver.spans)).not.toContain(lastName);
    expect(id).toBeTruthy();
  });
});
