import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a local webhook receiver got: one entry per request. */
export interface Received {
  path: string;
  webhookId: string;
  headers: Record<string, string>;
  body: string;
  answered: number;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/**
 * A real HTTP receiver on 127.0.0.1. `/fail-<n>/…` answers 500 to the first n
 * requests of each webhook-id, then 204; `/always-fail/…` always 500; any
 * other path 204. `delayMs` holds every answer that long (a slow partner).
 */
export async function startReceiver(options: { delayMs?: number } = {}): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const webhookId = String(req.headers['webhook-id']);
      const key = `${path} ${webhookId}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const failFirst = /^\/fail-(\d+)\//.exec(path);
      const answered = path.startsWith('/always-fail/') || (failFirst && n <= Number(failFirst[1])) ? 500 : 204;
      received.push({
        path,
        webhookId,
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
        answered,
      });
      setTimeout(() => {
        res.statusCode = answered;
        res.end(answered === 500 ? 'receiver says no' : undefined);
      }, options.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}
