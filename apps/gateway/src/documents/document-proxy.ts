import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { TokenVerifier } from '@rapport/auth';
import type { Express, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import type { ApiKeyExchanger } from '../auth/api-key-exchanger';
import { identifyCaller } from '../auth/caller';

/**
 * Documents a subgraph renders (e.g. a quote's PDF) served on the gateway's
 * own domain, so customers and partners get one origin. The caller is
 * verified here exactly as for GraphQL and the access token is forwarded;
 * the subgraph verifies it again and scopes the read to the tenant.
 */
const ROUTES: { path: string; subgraph: string; target: (req: Request) => string }[] = [
  { path: '/quotes/:id.pdf', subgraph: 'sales', target: (req) => `/quotes/${encodeURIComponent(String(req.params.id))}.pdf` },
];

export function mountDocumentProxy(
  app: Express,
  subgraphUrls: Record<string, string>,
  verifier: TokenVerifier,
  exchanger: ApiKeyExchanger,
): void {
  for (const route of ROUTES) {
    const base = new URL(subgraphUrls[route.subgraph]);
    app.get(route.path, (req: Request, res: Response, next) => {
      proxy(req, res, new URL(route.target(req), base), verifier, exchanger).catch(next);
    });
  }
}

async function proxy(req: Request, res: Response, url: URL, verifier: TokenVerifier, exchanger: ApiKeyExchanger): Promise<void> {
  let token: string | null;
  try {
    ({ token } = await identifyCaller(req, verifier, exchanger));
  } catch (err) {
    if (err instanceof GraphQLError) return void res.status(401).json({ code: err.extensions.code, message: err.message });
    throw err;
  }
  if (!token) return void res.status(401).json({ code: 'UNAUTHENTICATED', message: 'authentication required' });
  const upstream = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, 'x-request-id': res.getHeader('x-request-id') as string },
  });
  res.status(upstream.status);
  for (const header of ['content-type', 'content-disposition', 'cache-control']) {
    const value = upstream.headers.get(header);
    if (value) res.setHeader(header, value);
  }
  if (!upstream.body) return void res.end();
  Readable.fromWeb(upstream.body as ReadableStream).pipe(res);
}
