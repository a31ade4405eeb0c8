/**
 * The subgraphs behind the gateway. Adding a service is one entry here: the
 * gateway reads its URL from SUBGRAPH_<NAME>_URL (default: localhost on its
 * port), and `npm run compose` reads its SDL from `dir`.
 */
export const SUBGRAPHS = [
  { name: 'identity', port: 4001, dir: 'apps/identity/src' },
  { name: 'sales', port: 4002, dir: 'apps/sales/src' },
  { name: 'service', port: 4003, dir: 'apps/service/src' },
  { name: 'analytics', port: 4004, dir: 'apps/analytics/src' },
  { name: 'marketing', port: 4005, dir: 'apps/marketing/src' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export function subgraphUrlVariable(name: string): string {
  return `SUBGRAPH_${name.toUpperCase()}_URL`;
}

export function defaultSubgraphUrl(port: number): string {
  return `http://127.0.0.1:${port}/graphql`;
}
