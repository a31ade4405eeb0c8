import { MAX_ROUTE_LABELS, normalisePath, RouteLabels } from './route-label';

describe('HTTP route labels', () => {
  it('uses the route template, or the path with ids and tokens replaced', () => {
    const labels = new RouteLabels();
    expect(labels.label({ path: '/internal/api-keys/exchange', template: '/internal/api-keys/exchange', status: 200 })).toBe(
      '/internal/api-keys/exchange',
    );
    expect(labels.label({ path: '/documents/quotes/0193a5b2-7c1e-7d4f-9a2b-3c4d5e6f7a8b/pdf', status: 200 })).toBe(
      '/documents/quotes/:id/pdf',
    );
    expect(normalisePath('/m/u/eyJrIjoidSJ9.c2lnbmF0dXJlMTIz')).toBe('/m/u/:token');
    expect(normalisePath('/graphql')).toBe('/graphql');
  });

  it('keeps 404s and an unbounded stream of paths to a bounded set of labels', () => {
    const labels = new RouteLabels();
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) seen.add(labels.label({ path: `/probe-${i}`, status: 404 }));
    expect([...seen]).toEqual(['unmatched']);
    for (let i = 0; i < 3000; i++) seen.add(labels.label({ path: `/a${i}`, status: 200 }));
    expect(seen.size).toBeLessThanOrEqual(MAX_ROUTE_LABELS + 2);
    expect(seen.has('other')).toBe(true);
  });
});
