import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, signReceipt, type DeliveryStatus } from '../http/delivery-receipt';
import { waitUntil } from './wait';

/** One POST the provider received. */
export interface ProviderRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body (see README "HTTP provider wire format"); the raw text when it was not JSON. */
  body: any;
  raw: string;
  /** The answer it got. */
  reply: ProviderReply;
}

/** How the provider answers a request. */
export interface ProviderReply {
  status: number;
  /** JSON-serialised; a string is sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (longer than the channel's timeout makes it time out). */
  delayMs?: number;
}

export interface HttpProviderOptions {
  /** Answer 401 unless the request carries `Authorization: Bearer <key>` or `x-api-key: <key>`. */
  apiKey?: string;
  /** Secret that sendReceipt signs callbacks with. */
  webhookSecret?: string;
}

/** A receipt for sendReceipt; `at` defaults to now. */
export interface ReceiptInput {
  id: string;
  messageId?: string;
  status: DeliveryStatus;
  at?: string;
  reason?: string;
}

/**
 * A local SMS/push provider speaking the wire format (node:http on a free
 * port), for tests of HttpProviderChannel and of whatever receives receipts:
 *
 *   const provider = await HttpProvider.start({ apiKey: 'k', webhookSecret: 's' });
 *   const sms = HttpProviderChannel.sms({ url: `${provider.url}/sms`, apiKey: 'k' });
 *   provider.replyTo('+4915100000001', { status: 400, body: { error: 'unknown subscriber' } });
 *   provider.replyTo('+4915100000002', { status: 429, headers: { 'retry-after': '1' } }, { status: 202, body: { id: 'late-1' } });
 *   …send…
 *   await provider.sendReceipt(webhookUrl, { id: result.providerMessageId, status: 'DELIVERED' });
 *
 * Unless told otherwise it answers 202 `{ "id": "prov-<n>" }`.
 */
export class HttpProvider {
  /** Every request so far, in arrival order. */
  readonly requests: ProviderRequest[] = [];
  private readonly server: Server;
  private readonly scripted = new Map<string, ProviderReply[]>();
  private fallback: ProviderReply | undefined;
  private readonly events = new EventEmitter();
  private readonly pending = new Set<NodeJS.Timeout>();
  private issued = 0;

  private constructor(private readonly options: HttpProviderOptions) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(options: HttpProviderOptions = {}): Promise<HttpProvider> {
    const provider = new HttpProvider(options);
    await new Promise<void>((resolve, reject) => {
      provider.server.once('error', reject);
      provider.server.listen(0, '127.0.0.1', () => resolve());
    });
    return provider;
  }

  /** http://127.0.0.1:port — any path works; the path is recorded. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * How to answer messages to this recipient (`to`): each request takes the
   * next reply, the last one repeats. Replaces earlier replies for it.
   */
  replyTo(recipient: string, ...replies: [ProviderReply, ...ProviderReply[]]): this {
    this.scripted.set(recipient, [...replies]);
    return this;
  }

  /** How to answer every recipient without replies of its own (instead of 202 with a fresh id). */
  replyToAll(reply: ProviderReply): this {
    this.fallback = reply;
    return this;
  }

  async waitForRequests(count: number, timeoutMs = 5000): Promise<ProviderRequest[]> {
    await waitUntil(
      this.events,
      'request',
      () => this.requests.length >= count,
      timeoutMs,
      () => {
        return `HTTP provider received ${this.requests.length} of ${count} requests within ${timeoutMs} ms`;
      },
    );
    return this.requests.slice(0, count);
  }

  /**
   * POSTs a delivery receipt to `url` as a provider would, signed with the
   * webhook secret (or `signWith`, or the literal `signature`, to test
   * rejections). Resolves with the receiver's answer.
   */
  async sendReceipt(
    url: string,
    receipt: ReceiptInput,
    options: { signWith?: string; signature?: string } = {},
  ): Promise<{ status: number; body: string }> {
    const raw = JSON.stringify({ ...receipt, at: receipt.at ?? new Date().toISOString() });
    const secret = options.signWith ?? this.options.webhookSecret;
    const signature = options.signature ?? (secret === undefined ? undefined : signReceipt(raw, secret));
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { [SIGNATURE_HEADER]: signature }) },
      body: raw,
    });
    return { status: response.status, body: await response.text() };
  }

  /** Forgets requests and replies. */
  reset(): void {
    this.requests.length = 0;
    this.scripted.clear();
    this.fallback = undefined;
  }

  close(): Promise<void> {
    this.pending.forEach(clearTimeout);
    this.pending.clear();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = parseJson(raw);
    const reply = this.replyFor(req, body);
    this.requests.push({ path: req.url ?? '/', headers: req.headers, body, raw, reply });
    this.events.emit('request');
    const answer = (): void => {
      if (res.destroyed) return;
      const payload = typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json', ...reply.headers });
      res.end(payload);
    };
    if (!reply.delayMs) return answer();
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      answer();
    }, reply.delayMs);
    this.pending.add(timer);
  }

  private replyFor(req: IncomingMessage, body: any): ProviderReply {
    const { apiKey } = this.options;
    if (apiKey !== undefined && req.headers.authorization !== `Bearer ${apiKey}` && req.headers['x-api-key'] !== apiKey) {
      return { status: 401, body: { error: 'invalid API key' } };
    }
    if (req.method !== 'POST') return { status: 405, body: { error: 'POST only' } };
    if (typeof body !== 'object' || body === null || typeof body.to !== 'string') {
      return { status: 422, body: { error: 'body must be JSON with "to"' } };
    }
    const script = this.scripted.get(body.to);
    if (script !== undefined) return script.length > 1 ? (script.shift() as ProviderReply) : script[0];
    if (this.fallback !== undefined) return this.fallback;
    this.issued += 1;
    return { status: 202, body: { id: `prov-${String(this.issued).padStart(6, '0')}` } };
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
