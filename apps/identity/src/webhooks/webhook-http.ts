import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPrivateAddress } from './webhook-target';

/** What one attempt produced, as recorded. */
export interface AttemptOutcome {
  ok: boolean;
  /** HTTP status; null when no response came (refused, timed out, blocked). */
  status: number | null;
  latencyMs: number;
  /** The first bytes of the response body, for the endpoint's owner to debug with. */
  responseExcerpt: string | null;
  error: string | null;
}

const EXCERPT_BYTES = 1024;

/**
 * Resolves like the system resolver, then refuses private, loopback and
 * link-local answers unless allowed. It runs inside the connection, so the
 * address checked is the address connected to: a name that resolves to a
 * public address when checked and a private one when used (DNS rebinding)
 * gets nowhere.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const usable = allowPrivate ? list : list.filter((a) => !isPrivateAddress(a.address));
      if (usable.length === 0) return callback(new Error(`${hostname} resolves only to private addresses`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      callback(null, usable[0].address, usable[0].family);
    });
  };
}

/**
 * POSTs one signed delivery. Redirects are not followed (a 3xx is a failure:
 * following it would leave the URL the admin registered). Any 2xx is a
 * success; the body is read only up to the excerpt.
 */
export function postDelivery(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<AttemptOutcome> {
  const started = performance.now();
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const requestOptions: RequestOptions = {
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'user-agent': 'Rapport-Webhooks/1',
    },
    lookup: guardedLookup(options.allowPrivate),
    timeout: options.timeoutMs,
  };
  return new Promise((resolve) => {
    const finish = (outcome: Omit<AttemptOutcome, 'latencyMs'>) =>
      resolve({ ...outcome, latencyMs: Math.round(performance.now() - started) });
    const req = send(target, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < EXCERPT_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const excerpt = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
        const ok = status >= 200 && status < 300;
        finish({ ok, status, responseExcerpt: excerpt || null, error: ok ? null : `HTTP ${status}` });
      });
      res.on('error', (err) => finish({ ok: false, status: res.statusCode ?? null, responseExcerpt: null, error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no response within ${options.timeoutMs} ms`)));
    req.on('error', (err) => finish({ ok: false, status: null, responseExcerpt: null, error: err.message }));
    req.end(body);
  });
}
