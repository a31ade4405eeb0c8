import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { signForwardedCaller, type TokenVerifier } from '@rapport/auth';
import type { Express, Request, RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import type { ApiKeyExchanger } from '../auth/api-key-exchanger';
import { callerOf } from '../limits/caller-rate-limit';

/**
 * Documents a subgraph renders (e.g. a quote's PDF) served on the gateway's
 * own domain, so customers and partners get one origin. The caller is
 * verified here exactly as for GraphQL and the access token is forwarded;
 * the subgraph verifies it again and scopes the read to the tenant. Each
 * request counts against the caller's rate like a GraphQL operation
 * (`rateLimit`: rendering a document costs more than most), and the
 * caller's address goes along signed, so the subgraph's own limit counts
 * the caller, not the gateway.
 */
const ROUTES: { path: string; subgraph: string; target: (req: Request) => string }[] = [
  { path: '/quotes/:id.pdf', subgraph: 'sales', target: (req) => `/quotes/${encodeURIComponent(String(req.params.id))}.pdf` },
  // A personal-data export's archive: the link's expiry and signature go along for service to check (ADR 034).
  {
    path: '/privacy/exports/:id.json',
    subgraph: 'service',
    target: (req) => `/privacy/exports/${encodeURIComponent(String(req.params.id))}.json${queryOf(req.originalUrl)}`,
  },
  // A file kept from a customer's email to the support address (ADR 039); service checks the case is the caller's to read.
  { path: '/case-attachments/:id', subgraph: 'service', target: (req) => `/case-attachments/${encodeURIComponent(String(req.params.id))}` },
];

/** The query string of a request URL, with its `?` (empty without one). */
function queryOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at);
}

export interface DocumentProxyOptions {
  verifier: TokenVerifier;
  exchanger: ApiKeyExchanger;
  /** The caller's rate limit, as on /graphql. */
  rateLimit: RequestHandler;
  /** Signs the caller's address for the subgraph (empty: not forwarded). */
  gatewaySecret: string;
}

export function mountDocumentProxy(app: Express, subgraphUrls: Record<string, string>, options: DocumentProxyOptions): void {
  for (const route of ROUTES) {
    const base = new URL(subgraphUrls[route.subgraph]);
    app.get(route.path, options.rateLimit, (req: Request, res: Response, next) => {
      proxyToSubgraph(req, res, new URL(route.target(req), base), options).catch(next);
    });
  }
}

/**
 * One request to a subgraph on the caller's behalf: the caller verified here
 * (401/429 answered as `{ code, message }`), its token forwarded, its address
 * signed. With `forwardBody`, the request's body and content type stream on
 * as they arrive (the subgraph enforces its size limit while reading).
 */
export async function proxyToSubgraph(
  req: Request,
  res: Response,
  url: URL,
  options: Omit<DocumentProxyOptions, 'rateLimit'>,
  forwardBody = false,
): Promise<void> {
  let token: string | null;
  let ip: string;
  try {
    ({ token, ip } = await callerOf(req, options.verifier, options.exchanger));
  } catch (err) {
    if (!(err instanceof GraphQLError)) throw err;
    const { http, retryAfter } = err.extensions as { http?: { status?: number }; retryAfter?: number };
    if (retryAfter !== undefined) res.set('retry-after', String(retryAfter));
    return void res.status(http?.status ?? 401).json({ code: err.extensions.code, message: err.message });
  }
  if (!token) return void res.status(401).json({ code: 'UNAUTHENTICATED', message: 'authentication required' });
  const body = forwardBody ? { method: req.method, body: Readable.toWeb(req), duplex: 'half' } : {};
  const upstream = await fetch(url, {
    ...body,
    headers: {
      authorization: `Bearer ${token}`,
      'x-request-id': res.getHeader('x-request-id') as string,
      ...(forwardBody ? forwardedBodyHeaders(req) : {}),
      ...(options.gatewaySecret ? signForwardedCaller(options.gatewaySecret, ip) : {}),
    },
  } as RequestInit);
  res.status(upstream.status);
  for (const header of ['content-type', 'content-disposition', 'cache-control', 'x-content-type-options']) {
    const value = upstream.headers.get(header);
    if (value) res.setHeader(header, value);
  }
  if (!upstream.body) return void res.end();
  Readable.fromWeb(upstream.body as ReadableStream).pipe(res);
}

function forwardedBodyHeaders(req: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'content-length']) {
    const value = req.header(name);
    if (value) headers[name] = value;
  }
  return headers;
}
