/**
 * The gateway's /m/* proxy forwards only the exact public routes of
 * marketing's links: encoded traversal (`%2e%2e`) reached marketing's
 * /graphql and /metrics anonymously before.
 */
import { request } from 'node:http';
import { startPlatform, type Platform } from '../harness/platform';

/** A request with the path exactly as written: fetch would resolve `%2e%2e` segments before sending. */
function rawRequest(base: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

jest.setTimeout(120_000);

describe('the /m/* link proxy (end to end)', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const send = (path: string, init: RequestInit = {}) => fetch(`${platform.gateway.url}${path}`, { redirect: 'manual', ...init });

  it('refuses encoded traversal to marketing’s GraphQL endpoint and metrics', async () => {
    for (const path of ['/m/webhooks/%2e%2e/%2e%2e/graphql', '/m/webhooks/%2E%2E/%2E%2E/graphql', '/m/%2e%2e/graphql']) {
      const res = await rawRequest(platform.gateway.url, 'POST', path, JSON.stringify({ query: '{ _service { sdl } }' }));
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.text).not.toContain('_service');
    }
    const metrics = await rawRequest(platform.gateway.url, 'GET', '/m/%2e%2e/metrics');
    expect(metrics.status).toBe(404);
    expect(metrics.text).not.toContain('# HELP');
  });

  it('still forwards a real link route to marketing', async () => {
    const res = await send('/m/u/eyJrIjoidSJ9.bm90LXNpZ25lZA');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('Unsubscribe');
    const forged = await send('/m/u/eyJrIjoidSJ9.bm90LXNpZ25lZA', { method: 'POST' });
    expect(forged.status).toBe(400);
  });
});
