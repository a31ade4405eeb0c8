import { Agent, request, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';

/** The fetch signature @apollo/gateway's data sources call. */
type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherRequestInit = NonNullable<Parameters<Fetcher>[1]>;
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

/**
 * Connections per subgraph and gateway process: more than the requests one
 * process has in flight at a time under load (a 2-core box saturates near
 * 64 concurrent fetches), fewer than a subgraph's connection backlog.
 */
export const DEFAULT_MAX_SOCKETS = 128;

export interface SubgraphFetcherOptions {
  /** Open connections kept per subgraph (per gateway process); requests beyond it wait for a free one. */
  maxSockets: number;
}

/**
 * The gateway's HTTP client to its subgraphs: node:http over a keep-alive
 * pool per subgraph, the body read whole into one buffer. It replaces
 * @apollo/gateway's default (make-fetch-happen), whose HTTP-cache and
 * stream layers measured as a large share of the gateway's CPU per fetch
 * while giving nothing here: subgraph answers are never cacheable, and
 * each is one small JSON document. Still node:http, so tracing's HTTP
 * instrumentation sees every call (W3C trace context goes along).
 *
 * Errors keep the shapes the data source maps (subgraph-failure.ts): a
 * refused or reset connection rejects with Node's errno `code`, the abort
 * signal (timeout) with an `AbortError`/`TimeoutError`.
 */
export function subgraphFetcher(options: SubgraphFetcherOptions): Fetcher {
  // One pool per scheme; the agent keeps sockets per host:port, so each subgraph has its own.
  const http = new Agent({ keepAlive: true, maxSockets: options.maxSockets, scheduling: 'lifo' });
  const https = new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets, scheduling: 'lifo' });
  return (url: string, init: FetcherRequestInit = {}) =>
    new Promise<FetcherResponse>((resolve, reject) => {
      const secure = url.startsWith('https:');
      const req = (secure ? httpsRequest : request)(url, {
        method: init.method ?? 'GET',
        headers: init.headers,
        agent: secure ? https : http,
        signal: init.signal as AbortSignal | undefined,
      });
      req.on('error', (err) => reject(abortReason(init.signal as AbortSignal | undefined) ?? err));
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => reject(abortReason(init.signal as AbortSignal | undefined) ?? err));
        res.on('end', () => resolve(new BufferedResponse(url, res, Buffer.concat(chunks))));
        // Cut off mid-answer (the timeout fired, or the subgraph died): the promise must not wait forever.
        res.on('close', () => {
          if (!res.complete) reject(abortReason(init.signal as AbortSignal | undefined) ?? connectionClosed());
        });
      });
      req.end(init.body);
    });
}

function connectionClosed(): Error {
  return Object.assign(new Error('the subgraph closed the connection before its answer ended'), { code: 'ECONNRESET' });
}

/** The signal's own reason (a TimeoutError from AbortSignal.timeout) rather than Node's generic AbortError, when it fired. */
function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.aborted ? signal.reason : undefined;
}

/** A whole answer in memory, with the part of the fetch Response that RemoteGraphQLDataSource uses. */
class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: Headers;
  bodyUsed = false;

  constructor(
    readonly url: string,
    res: IncomingMessage,
    private readonly body: Buffer,
  ) {
    this.status = res.statusCode ?? 0;
    this.statusText = res.statusMessage ?? '';
    this.ok = this.status >= 200 && this.status < 300;
    this.headers = new Headers();
    for (let i = 0; i < res.rawHeaders.length; i += 2) this.headers.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
  }

  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.body.toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    return this.body.buffer.slice(this.body.byteOffset, this.body.byteOffset + this.body.byteLength) as ArrayBuffer;
  }

  clone(): FetcherResponse {
    const copy = Object.create(BufferedResponse.prototype) as BufferedResponse;
    return Object.assign(copy, this, { bodyUsed: false });
  }
}
