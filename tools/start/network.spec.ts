import { createServer, type Server } from 'node:net';
import { probeTcp, waitFor, WaitTimeout } from './network';

describe('probeTcp', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is true where something listens and false where nothing does', async () => {
    expect(await probeTcp('127.0.0.1', port)).toBe(true);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probeTcp('127.0.0.1', freePort)).toBe(false);
  });
});

describe('waitFor', () => {
  it('resolves once the check passes', async () => {
    let calls = 0;
    await waitFor(async () => ++calls === 3, { timeoutMs: 1000, intervalMs: 1, signal: new AbortController().signal, what: 'x' });
    expect(calls).toBe(3);
  });

  it('times out with a message naming what it waited for', async () => {
    await expect(
      waitFor(async () => false, { timeoutMs: 30, intervalMs: 5, signal: new AbortController().signal, what: 'sales becoming ready' }),
    ).rejects.toThrow(new WaitTimeout('sales becoming ready did not happen within 0 s'));
  });

  it('gives up at once with the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('sales exited with code 1');
    setTimeout(() => controller.abort(reason), 20);
    const started = Date.now();
    await expect(waitFor(async () => false, { timeoutMs: 10_000, intervalMs: 1000, signal: controller.signal, what: 'x' })).rejects.toBe(
      reason,
    );
    expect(Date.now() - started).toBeLessThan(500);
  });
});
