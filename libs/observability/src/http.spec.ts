import type { AddressInfo } from 'node:net';
import express from 'express';
import { HealthRegistry } from './health';
import { mountOperationalRoutes, requestObservability, type MetricsAccess } from './http';
import { createLogger } from './logger';
import { createMetrics } from './metrics';

async function withApp(access: MetricsAccess, run: (url: string) => Promise<void>): Promise<void> {
  const app = express();
  const metrics = createMetrics('test');
  app.use(requestObservability(createLogger('test', 'silent'), metrics));
  mountOperationalRoutes(app, new HealthRegistry(), metrics, access);
  app.get('/things/:id', (_req, res) => void res.json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
}

describe('operational routes', () => {
  it('keeps the HTTP metric to route templates however many paths anonymous callers invent', async () => {
    await withApp({ production: false }, async (url) => {
      for (let i = 0; i < 300; i++) await fetch(`${url}/probe-${i}/x`);
      for (let i = 0; i < 50; i++) await fetch(`${url}/things/${i}`);
      const body = await (await fetch(`${url}/metrics`)).text();
      const routes = new Set([...body.matchAll(/http_request_duration_seconds_count\{[^}]*route="([^"]+)"/g)].map((m) => m[1]));
      expect([...routes].sort()).toEqual(['/things/:id', 'unmatched']);
    });
  });

  it('asks for the token when one is set, and serves no /metrics in production without one', async () => {
    await withApp({ production: true, token: 's3cret' }, async (url) => {
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong!' } })).status).toBe(401);
      const ok = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer s3cret' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('http_request_duration_seconds');
    });
    await withApp({ production: true }, async (url) => {
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
    });
  });
});
