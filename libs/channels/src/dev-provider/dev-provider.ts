import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ProviderRequestBody } from '../http/wire-format';

export interface DevProviderOptions {
  /** Folder for the messages; `sms/` and `push/` are created under it (e.g. `.rapport`). */
  dir: string;
  /** Port on 127.0.0.1; default 0 (a free one, see `smsUrl` and `pushUrl`). */
  port?: number;
  /** Called after each message is on disk, e.g. to print where it went. */
  onMessage?: (saved: { path: string; channel: 'SMS' | 'PUSH'; to: string }) => void;
}

export interface DevProvider {
  /** For MARKETING_SMS_PROVIDER_URL. */
  smsUrl: string;
  /** For MARKETING_PUSH_PROVIDER_URL. */
  pushUrl: string;
  port: number;
  dir: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy(new Error('too big'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** File name sorting by arrival, readable at a glance: `2026-12-06T20-01-02.123Z-0001-+491701234567.json`. */
export function devMessageFileName(at: Date, sequence: number, to: string): string {
  const safeTo = to.replace(/[^A-Za-z0-9+_.-]/g, '_').slice(0, 60);
  return `${at.toISOString().replace(/:/g, '-')}-${String(sequence).padStart(4, '0')}-${safeTo}.json`;
}

/**
 * The SMS and push counterpart of the dev mailbox, for `npm start` without
 * real providers: an HTTP server on 127.0.0.1 that speaks the HTTP provider
 * wire format (libs/channels README) on `/sms` and `/push`, accepts every
 * well-formed message and writes it as a JSON file to `<dir>/sms` or
 * `<dir>/push`, answering `{ "id": … }` so the message counts as SENT.
 * A body not in the wire format is refused with 400 and `{ "error": … }`.
 * Not for production: it delivers nothing and keeps everything.
 */
export async function startDevProvider(options: DevProviderOptions): Promise<DevProvider> {
  const folders = { SMS: join(options.dir, 'sms'), PUSH: join(options.dir, 'push') } as const;
  await mkdir(folders.SMS, { recursive: true });
  await mkdir(folders.PUSH, { recursive: true });
  let sequence = 0;
  const server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const channel = req.url === '/sms' ? 'SMS' : req.url === '/push' ? 'PUSH' : null;
    if (req.method !== 'POST' || !channel) return answer(404, { error: 'POST /sms or /push' });
    readBody(req)
      .then(async (raw) => {
        let body: Partial<ProviderRequestBody>;
        try {
          body = JSON.parse(raw) as Partial<ProviderRequestBody>;
        } catch {
          return answer(400, { error: 'body is not JSON' });
        }
        if (typeof body.messageId !== 'string' || typeof body.to !== 'string' || typeof body.text !== 'string')
          return answer(400, { error: 'messageId, to and text are required' });
        sequence += 1;
        const path = join(folders[channel], devMessageFileName(new Date(), sequence, body.to));
        // Write then rename, so a watcher never reads half a message.
        await writeFile(`${path}.partial`, JSON.stringify({ ...body, channel, receivedAt: new Date().toISOString() }, null, 2));
        await rename(`${path}.partial`, path);
        options.onMessage?.({ path, channel, to: body.to });
        answer(200, { id: `dev-${sequence}` });
      })
      .catch((err: Error) => answer(503, { error: `dev provider could not save the message: ${err.message}` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    smsUrl: `http://127.0.0.1:${port}/sms`,
    pushUrl: `http://127.0.0.1:${port}/push`,
    port,
    dir: options.dir,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
