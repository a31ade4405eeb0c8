import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { proxyToSubgraph, type DocumentProxyOptions } from '../documents/document-proxy';

/**
 * Bulk loads on the gateway's domain, beside /graphql: `POST /orders/bulk`
 * (NDJSON orders, what the orders CSV CLI sends) goes to analytics. The
 * caller is verified and rate-limited here exactly as for GraphQL (one
 * request counts as one operation, like a recordOrders batch); the body
 * streams through unparsed, and analytics verifies the token again, scopes
 * the write to the tenant, enforces its limits and answers the report.
 */
const ROUTES: { path: string; subgraph: string; target: string }[] = [
  { path: '/orders/bulk', subgraph: 'analytics', target: '/orders/bulk' },
];

export function mountBulkProxy(app: Express, subgraphUrls: Record<string, string>, options: DocumentProxyOptions): void {
  for (const route of ROUTES) {
    const url = new URL(route.target, subgraphUrls[route.subgraph]);
    const handler: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
      proxyToSubgraph(req, res, url, options, true).catch(next);
    };
    app.post(route.path, options.rateLimit, handler);
  }
}
