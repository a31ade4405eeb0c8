import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRapportClient, CreateApiKeyDocument, isRapportError, RapportError, RecordOrdersDocument } from './index';

interface Call {
  headers: IncomingHttpHeaders;
  body: { query: string; variables: Record<string, any> };
}

/** A stand-in gateway on a real socket: answers each POST with what `answer` returns for it. */
async function gateway(answer: (call: Call, n: number) => { status?: number; headers?: Record<string, string>; body: unknown }) {
  const calls: Call[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = { headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
      calls.push(call);
      const { status = 200, headers = {}, body } = answer(call, calls.length);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const limited = (retryAfter: number) => ({
  body: { errors: [{ message: 'rate limit exceeded', extensions: { code: 'RATE_LIMITED', retryAfter } }] },
});
const ORDERS = { recordOrders: { created: 1, updated: 0, unchanged: 0, rejected: 0, results: [] } };
const INPUT = { input: { orders: [] } };

describe('createRapportClient', () => {
  it('sends the typed operation with a bearer token and returns its data', async () => {
    const gw = await gateway(() => ({ body: { data: ORDERS } }));
    try {
      const client = createRapportClient({ url: gw.url, token: 'tok' });
      const data = await client.request(RecordOrdersDocument, INPUT);
      expect(data.recordOrders.created).toBe(1);
      expect(gw.calls[0].headers.authorization).toBe('Bearer tok');
      expect(gw.calls[0].body.query).toContain('recordOrders(input: $input)');
      expect(gw.calls[0].body.variables).toEqual(INPUT);
    } finally {
      await gw.close();
    }
  });

  it('authenticates with an API key in x-api-key', async () => {
    const gw = await gateway(() => ({ body: { data: { createApiKey: { secret: 'k' } } } }));
    try {
      await createRapportClient({ url: gw.url, apiKey: 'rk_live_x' }).request(CreateApiKeyDocument, { input: { name: 'n', scopes: [] } });
      expect(gw.calls[0].headers['x-api-key']).toBe('rk_live_x');
      expect(gw.calls[0].headers.authorization).toBeUndefined();
    } finally {
      await gw.close();
    }
  });

  it('types refusals by extensions.code, with the field at fault and any partial data', async () => {
    const gw = await gateway(() => ({
      body: { data: null, errors: [{ message: 'input.orders: too many', extensions: { code: 'BAD_USER_INPUT', field: 'input.orders' } }] },
    }));
    try {
      const err = await createRapportClient({ url: gw.url, token: 't' })
        .request(RecordOrdersDocument, INPUT)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RapportError);
      expect(isRapportError(err, 'BAD_USER_INPUT')).toBe(true);
      expect(isRapportError(err, 'FORBIDDEN')).toBe(false);
      expect(err).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.orders' });
      const result = await createRapportClient({ url: gw.url, token: 't' }).execute(RecordOrdersDocument, INPUT);
      expect(result).toEqual({
        data: null,
        errors: [expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'input.orders' } })],
      });
    } finally {
      await gw.close();
    }
  });

  it('waits out RATE_LIMITED for as long as the API says (extensions.retryAfter, else Retry-After), then sends the call again', async () => {
    const gw = await gateway((_, n) =>
      n === 1
        ? limited(3)
        : n === 2
          ? { status: 429, headers: { 'retry-after': '2' }, body: 'Too Many Requests' }
          : { body: { data: ORDERS } },
    );
    const waits: number[] = [];
    try {
      const client = createRapportClient({ url: gw.url, token: 't', sleep: async (ms) => void waits.push(ms) });
      expect((await client.request(RecordOrdersDocument, INPUT)).recordOrders.created).toBe(1);
      expect(waits).toEqual([3000, 2000]);
      expect(gw.calls).toHaveLength(3);
    } finally {
      await gw.close();
    }
  });

  it('gives up after its attempts with the RATE_LIMITED error, and never retries other errors', async () => {
    const gw = await gateway(() => limited(1));
    try {
      const client = createRapportClient({ url: gw.url, token: 't', sleep: async () => undefined, rateLimit: { attempts: 4 } });
      await expect(client.request(RecordOrdersDocument, INPUT)).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
      expect(gw.calls).toHaveLength(4);
    } finally {
      await gw.close();
    }
    const refusing = await gateway(() => ({ body: { errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] } }));
    try {
      await expect(createRapportClient({ url: refusing.url, token: 't' }).request(RecordOrdersDocument, INPUT)).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      expect(refusing.calls).toHaveLength(1);
    } finally {
      await refusing.close();
    }
  });

  it('signs in on the first call, refreshes before expiry and on UNAUTHENTICATED, and signs in again when the refresh token is spent', async () => {
    let clock = Date.parse('2026-12-06T12:00:00Z');
    const expiresIn = (minutes: number) => new Date(clock + minutes * 60_000).toISOString();
    let issued = 0;
    const pair = () => ({ accessToken: `access-${++issued}`, refreshToken: `refresh-${issued}`, expiresAt: expiresIn(15) });
    let refuseNextCall = false;
    let refreshSpent = false;
    const gw = await gateway((call) => {
      const q = call.body.query;
      if (q.includes('login(')) return { body: { data: { login: pair() } } };
      if (q.includes('refreshToken(')) {
        if (refreshSpent) return { body: { errors: [{ message: 'refresh token spent', extensions: { code: 'UNAUTHENTICATED' } }] } };
        return { body: { data: { refreshToken: pair() } } };
      }
      if (refuseNextCall) {
        refuseNextCall = false;
        return { body: { errors: [{ message: 'token expired', extensions: { code: 'UNAUTHENTICATED' } }] } };
      }
      return { body: { data: ORDERS } };
    });
    const authOf = () => gw.calls.filter((c) => c.body.query.includes('recordOrders')).map((c) => c.headers.authorization);
    try {
      const client = createRapportClient({ url: gw.url, login: { tenant: 't', email: 'e@x.test', password: 'p' }, now: () => clock });
      await client.request(RecordOrdersDocument, INPUT);
      expect(gw.calls[0].body.variables).toEqual({ input: { tenant: 't', email: 'e@x.test', password: 'p' } });
      // 14.5 minutes later the token is within a minute of expiry: refreshed before the call.
      clock += 14.5 * 60_000;
      await client.request(RecordOrdersDocument, INPUT);
      // The API refuses the token (e.g. revoked sessions): refreshed once, the call sent again.
      refuseNextCall = true;
      await client.request(RecordOrdersDocument, INPUT);
      // A spent refresh token: signs in again with the password.
      refreshSpent = true;
      refuseNextCall = true;
      await client.request(RecordOrdersDocument, INPUT);
      expect(authOf()).toEqual([
        'Bearer access-1',
        'Bearer access-2',
        'Bearer access-2',
        'Bearer access-3',
        'Bearer access-3',
        'Bearer access-4',
      ]);
      expect(client.tokens?.refreshToken).toBe('refresh-4');
    } finally {
      await gw.close();
    }
  });

  it('answers SERVICE_UNAVAILABLE when nothing listens, and for a non-GraphQL error page', async () => {
    const gw = await gateway(() => ({ status: 502, body: '<html>bad gateway</html>' }));
    const url = gw.url;
    try {
      await expect(createRapportClient({ url, token: 't' }).request(RecordOrdersDocument, INPUT)).rejects.toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        status: 502,
      });
    } finally {
      await gw.close();
    }
    await expect(createRapportClient({ url, token: 't' }).request(RecordOrdersDocument, INPUT)).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
  });

  it('sends other gateway routes with the same credentials, waiting out 429 and renewing the token once on 401', async () => {
    const seen: { path: string; auth: string | undefined; type: string | undefined; body: string }[] = [];
    let refused = false;
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (req.url === '/graphql') {
          const q = JSON.parse(body).query as string;
          const pair = {
            accessToken: `access-${q.includes('login(') ? 1 : 2}`,
            refreshToken: 'r',
            expiresAt: new Date(Date.now() + 900_000).toISOString(),
          };
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ data: q.includes('login(') ? { login: pair } : { refreshToken: pair } }));
        }
        seen.push({ path: req.url ?? '', auth: req.headers.authorization, type: req.headers['content-type'], body });
        if (seen.length === 1) return void res.writeHead(429, { 'retry-after': '2' }).end();
        if (!refused) {
          refused = true;
          return void res.writeHead(401).end();
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const waits: number[] = [];
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      const client = createRapportClient({
        url,
        login: { tenant: 't', email: 'e@x.test', password: 'p' },
        sleep: async (ms) => void waits.push(ms),
      });
      const res = await client.http('/orders/bulk', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{}\n' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true });
      expect(waits).toEqual([2000]);
      expect(seen.map((s) => [s.path, s.auth, s.type, s.body])).toEqual([
        ['/orders/bulk', 'Bearer access-1', 'application/x-ndjson', '{}\n'],
        ['/orders/bulk', 'Bearer access-1', 'application/x-ndjson', '{}\n'],
        ['/orders/bulk', 'Bearer access-2', 'application/x-ndjson', '{}\n'],
      ]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
