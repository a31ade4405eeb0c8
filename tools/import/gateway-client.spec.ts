import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayError, GatewaySession } from './gateway-client';

/** A stand-in gateway that answers each POST with the next scripted GraphQL body. */
async function gatewayAnswering(bodies: object[]): Promise<{ url: string; server: Server; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = bodies[Math.min(calls++, bodies.length - 1)];
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, server, calls: () => calls };
}

const limited = (retryAfter: number) => ({
  errors: [{ message: 'rate limit exceeded', extensions: { code: 'RATE_LIMITED', retryAfter } }],
});

describe('GatewaySession', () => {
  it('waits out RATE_LIMITED for as long as the gateway says, then sends the call again', async () => {
    const gateway = await gatewayAnswering([limited(3), limited(1), { data: { ok: true } }]);
    const waits: number[] = [];
    try {
      const session = await GatewaySession.open({ url: gateway.url, token: 't' }, Date.now, async (ms) => void waits.push(ms));
      expect(await session.call('{ ok }', {})).toEqual({ ok: true });
      expect(waits).toEqual([3000, 1000]);
      expect(gateway.calls()).toBe(3);
    } finally {
      gateway.server.close();
    }
  });

  it('gives up after its attempts with the gateway error, and never retries other errors', async () => {
    const gateway = await gatewayAnswering([limited(1)]);
    try {
      const session = await GatewaySession.open({ url: gateway.url, token: 't' }, Date.now, async () => undefined);
      await expect(session.call('{ ok }', {})).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
      expect(gateway.calls()).toBe(20);
    } finally {
      gateway.server.close();
    }
    const refusing = await gatewayAnswering([{ errors: [{ message: 'no', extensions: { code: 'BAD_USER_INPUT' } }] }]);
    try {
      const session = await GatewaySession.open({ url: refusing.url, token: 't' }, Date.now, async () => undefined);
      await expect(session.call('{ ok }', {})).rejects.toBeInstanceOf(GatewayError);
      expect(refusing.calls()).toBe(1);
    } finally {
      refusing.server.close();
    }
  });
});
