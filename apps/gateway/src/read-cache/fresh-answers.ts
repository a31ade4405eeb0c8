import type { IncomingHttpHeaders } from 'node:http';

/**
 * A request whose `Cache-Control` says `no-cache`, `no-store` or
 * `max-age=0` is answered by the subgraphs, never from the gateway's read
 * cache (ADR 080), as an HTTP cache would revalidate it: for a client that
 * must see the stored state whatever the cache holds, and for the bench,
 * which measures the subgraph hop itself this way.
 */
export function asksForFreshAnswers(request: { headers: IncomingHttpHeaders }): boolean {
  const header = request.headers['cache-control'];
  if (!header) return false;
  return header
    .toLowerCase()
    .split(',')
    .map((directive) => directive.trim().replace(/\s*=\s*/, '='))
    .some((directive) => directive === 'no-cache' || directive === 'no-store' || /^max-age="?0+"?$/.test(directive));
}
