import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postDelivery } from './webhook-http';

describe('postDelivery', () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits += 1;
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://127.0.0.1/elsewhere' }).end();
        return;
      }
      res.writeHead(req.url === '/fail' ? 503 : 200).end('x'.repeat(5000));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const options = (allowPrivate: boolean) => ({ timeoutMs: 2000, allowPrivate });

  it('refuses a name that resolves to loopback at connection time unless private targets are allowed, without sending', async () => {
    const before = hits;
    const refused = await postDelivery(`http://localhost:${port}/ok`, {}, '{}', options(false));
    expect(refused).toMatchObject({ ok: false, status: null });
    expect(refused.error).toMatch(/private addresses/);
    expect(hits).toBe(before);
    const allowed = await postDelivery(`http://localhost:${port}/ok`, {}, '{}', options(true));
    expect(allowed).toMatchObject({ ok: true, status: 200 });
    expect(allowed.responseExcerpt).toHaveLength(1024);
  });

  it('treats a non-2xx answer and a redirect as failures (a redirect is not followed)', async () => {
    expect(await postDelivery(`http://127.0.0.1:${port}/fail`, {}, '{}', options(true))).toMatchObject({
      ok: false,
      status: 503,
      error: 'HTTP 503',
    });
    expect(await postDelivery(`http://127.0.0.1:${port}/redirect`, {}, '{}', options(true))).toMatchObject({ ok: false, status: 302 });
  });

  it('records a refused connection without a status', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await postDelivery(`http://127.0.0.1:${closedPort}/`, {}, '{}', options(true));
    expect(outcome).toMatchObject({ ok: false, status: null });
    expect(outcome.error).toMatch(/ECONNREFUSED/);
  });
});
