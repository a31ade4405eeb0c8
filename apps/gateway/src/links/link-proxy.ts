import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import express, { type Express, type Request, type Response } from 'express';
import { signForwardedCaller, type RateLimiter } from '@rapport/auth';
import { MARKETING_LINK_ROUTES, matchLinkRoute, type LinkRoute } from './public-link-routes';

/** Headers passed on in each direction; nothing that could carry a caller's credentials goes upstream. */
const REQUEST_HEADERS = ['content-type', 'x-rapport-signature', 'user-agent', 'x-request-id'];
// retry-after: marketing's own limit (a 429) must tell the caller when to come back, as the gateway's does.
const RESPONSE_HEADERS = ['content-type', 'location', 'cache-control', 'retry-after'];

/**
 * The links in marketing messages — unsubscribe, confirmation, open pixel,
 * click redirect — and providers' delivery receipts, on the gateway's
 * domain (MARKETING_PUBLIC_URL points here). They work without login: the
 * token in each path is signed, and marketing verifies it (receipts carry an
 * HMAC of their body). The gateway forwards only those exact routes
 * (public-link-routes.ts), per-IP rate-limited except for the signed
 * receipts, which providers send in bursts. The caller's address goes
 * along signed (GATEWAY_SECRET): marketing limits direct callers of these
 * routes too, and must count each recipient, not the gateway.
 */
export function mountLinkProxy(
  app: Express,
  upstreamGraphqlUrl: string | undefined,
  limiter: RateLimiter,
  perMinute: number,
  gatewaySecret = '',
  /** Another service's links: its subgraph URL, its path prefix and its exact routes (service's /s/ survey links). */
  target: { prefix: RegExp; routes: readonly LinkRoute[] } = { prefix: /^\/m\/.+/, routes: MARKETING_LINK_ROUTES },
): void {
  if (!upstreamGraphqlUrl) return;
  const base = new URL(upstreamGraphqlUrl);
  app.all(target.prefix, express.raw({ type: () => true, limit: '256kb' }), (req: Request, res: Response, next) => {
    forward(req, res, base, limiter, perMinute, gatewaySecret, target.routes).catch(next);
  });
}

async function forward(
  req: Request,
  res: Response,
  base: URL,
  limiter: RateLimiter,
  perMinute: number,
  gatewaySecret: string,
  routes: readonly LinkRoute[],
): Promise<void> {
  // The path as received (express decodes req.path), without the query.
  const [rawPath, query] = splitOnce(req.originalUrl, '?');
  const route = matchLinkRoute(req.method, rawPath, routes);
  if (route.kind === 'not-found') return void res.status(404).json({ code: 'NOT_FOUND' });
  if (route.kind === 'method-not-allowed') return void res.status(405).set('allow', route.allow.join(', ')).end();
  if (!route.signedBody) {
    const retryAfter = await limiter.hit(`links:${req.ip}`, perMinute);
    if (retryAfter !== null) return void res.status(429).set('retry-after', String(retryAfter)).json({ code: 'RATE_LIMITED' });
  }
  const headers: Record<string, string> = {};
  for (const name of REQUEST_HEADERS) {
    const value = req.header(name);
    if (value) headers[name] = value;
  }
  if (gatewaySecret) Object.assign(headers, signForwardedCaller(gatewaySecret, req.ip ?? 'unknown'));
  const target = new URL(route.path, base);
  if (query !== undefined) target.search = query;
  const upstream = await fetch(target, {
    method: req.method,
    headers,
    body: req.method === 'POST' && Buffer.isBuffer(req.body) ? req.body : undefined,
    redirect: 'manual',
  });
  res.status(upstream.status);
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) res.setHeader(name, value);
  }
  if (!upstream.body) return void res.end();
  Readable.fromWeb(upstream.body as ReadableStream).pipe(res);
}

function splitOnce(value: string, separator: string): [string, string | undefined] {
  const at = value.indexOf(separator);
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
}
