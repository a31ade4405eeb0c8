const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** Path segments that are ids or tokens rather than route names: long, or with digits. */
const OPAQUE_SEGMENT = /^(?=.*\d)[^/]{8,}$|^[^/]{33,}$/;

/** More distinct routes than any Rapport app has; past it, new ones count as `other`. */
export const MAX_ROUTE_LABELS = 200;

/**
 * The `route` label of the HTTP metric. A label value per raw path let
 * anonymous 404s grow /metrics without bound (3,000 requests → 39,000
 * series), so: the matched route template where Express knows it, `unmatched`
 * for a 404, otherwise the path with ids and tokens replaced — and never more
 * than MAX_ROUTE_LABELS distinct values per process.
 */
export class RouteLabels {
  private readonly seen = new Set<string>();

  label(input: { path: string; template?: string; status: number }): string {
    if (input.status === 404) return 'unmatched';
    const route = input.template ?? normalisePath(input.path);
    if (this.seen.has(route)) return route;
    if (this.seen.size >= MAX_ROUTE_LABELS) return 'other';
    this.seen.add(route);
    return route;
  }
}

export function normalisePath(path: string): string {
  return path
    .replace(UUID, ':id')
    .split('/')
    .map((segment) => (OPAQUE_SEGMENT.test(segment) ? ':token' : segment))
    .join('/');
}
