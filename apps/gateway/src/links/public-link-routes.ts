/**
 * The exact routes marketing and service serve to people without login,
 * and nothing else: `/m/<kind>/<signed token>`, providers' signed receipts
 * and `/s/rate/<signed token>`. A request
 * path is matched as it arrived (still percent-encoded), so `%2e%2e` or an
 * encoded slash can never become a different upstream path, and the path
 * sent upstream is rebuilt from the matched parts only.
 */
const TOKEN = '[A-Za-z0-9_-]{1,4096}\\.[A-Za-z0-9_-]{1,256}';

export interface LinkRoute {
  pattern: RegExp;
  methods: readonly string[];
  signedBody: boolean;
}

/** Marketing's links under /m/. */
export const MARKETING_LINK_ROUTES: readonly LinkRoute[] = [
  { pattern: new RegExp(`^/m/u/(${TOKEN})$`), methods: ['GET', 'POST'], signedBody: false },
  { pattern: new RegExp(`^/m/confirm/(${TOKEN})$`), methods: ['GET', 'POST'], signedBody: false },
  // The open pixel ends in .gif so mail clients load it as an image.
  { pattern: new RegExp(`^/m/o/(${TOKEN})(?:\\.gif)?$`), methods: ['GET'], signedBody: false },
  { pattern: new RegExp(`^/m/c/(${TOKEN})$`), methods: ['GET'], signedBody: false },
  { pattern: /^\/m\/webhooks\/receipts$/, methods: ['POST'], signedBody: true },
];

/** The service desk's links under /s/: the rating links of satisfaction surveys (the page GET, the rating POST). */
export const SERVICE_LINK_ROUTES: readonly LinkRoute[] = [
  { pattern: new RegExp(`^/s/rate/(${TOKEN})$`), methods: ['GET', 'POST'], signedBody: false },
];

export type LinkRouteMatch =
  { kind: 'route'; path: string; signedBody: boolean } | { kind: 'method-not-allowed'; allow: readonly string[] } | { kind: 'not-found' };

/** Which public route a raw request path (no query) names, for a method. */
export function matchLinkRoute(method: string, rawPath: string, routes: readonly LinkRoute[] = MARKETING_LINK_ROUTES): LinkRouteMatch {
  for (const route of routes) {
    const match = route.pattern.exec(rawPath);
    if (!match) continue;
    if (!route.methods.includes(method)) return { kind: 'method-not-allowed', allow: route.methods };
    return { kind: 'route', path: match[0], signedBody: route.signedBody };
  }
  return { kind: 'not-found' };
}
