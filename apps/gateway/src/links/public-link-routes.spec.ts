import { matchLinkRoute, SERVICE_LINK_ROUTES } from './public-link-routes';

const TOKEN = 'eyJrIjoidW5zdWJzY3JpYmUifQ.c2lnbmF0dXJl-_';

describe('public link routes', () => {
  it('forwards the exact public routes', () => {
    expect(matchLinkRoute('GET', `/m/u/${TOKEN}`)).toEqual({ kind: 'route', path: `/m/u/${TOKEN}`, signedBody: false });
    expect(matchLinkRoute('POST', `/m/confirm/${TOKEN}`)).toMatchObject({ kind: 'route' });
    expect(matchLinkRoute('GET', `/m/c/${TOKEN}`)).toMatchObject({ kind: 'route' });
    expect(matchLinkRoute('GET', `/m/o/${TOKEN}.gif`)).toEqual({ kind: 'route', path: `/m/o/${TOKEN}.gif`, signedBody: false });
    expect(matchLinkRoute('POST', '/m/webhooks/receipts')).toEqual({ kind: 'route', path: '/m/webhooks/receipts', signedBody: true });
  });

  it('refuses traversal, encoded separators and anything else under /m/', () => {
    for (const path of [
      '/m/webhooks/%2e%2e/%2e%2e/graphql',
      '/m/%2e%2e/metrics',
      '/m/webhooks/../../graphql',
      `/m/u/${TOKEN}/..`,
      `/m/u/${TOKEN}%2f..`,
      '/m/u/not-a-token',
      '/m/graphql',
      '/m/webhooks/receipts/extra',
    ]) {
      expect([path, matchLinkRoute('GET', path).kind]).toEqual([path, 'not-found']);
      expect([path, matchLinkRoute('POST', path).kind]).toEqual([path, 'not-found']);
    }
  });

  it('names the methods a route allows', () => {
    expect(matchLinkRoute('POST', `/m/o/${TOKEN}`)).toEqual({ kind: 'method-not-allowed', allow: ['GET'] });
    expect(matchLinkRoute('DELETE', `/m/u/${TOKEN}`)).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'POST'] });
  });

  it('forwards only the survey rating route to the service', () => {
    expect(matchLinkRoute('GET', `/s/rate/${TOKEN}`, SERVICE_LINK_ROUTES)).toEqual({
      kind: 'route',
      path: `/s/rate/${TOKEN}`,
      signedBody: false,
    });
    expect(matchLinkRoute('POST', `/s/rate/${TOKEN}`, SERVICE_LINK_ROUTES)).toMatchObject({ kind: 'route' });
    expect(matchLinkRoute('DELETE', `/s/rate/${TOKEN}`, SERVICE_LINK_ROUTES)).toMatchObject({ kind: 'method-not-allowed' });
    for (const path of [
      '/s/graphql',
      '/s/%2e%2e/metrics',
      `/s/rate/${TOKEN}/..`,
      '/s/rate/not-a-token',
      `/m/u/${TOKEN}`,
      '/s/inbound/email',
    ])
      expect([path, matchLinkRoute('POST', path, SERVICE_LINK_ROUTES).kind]).toEqual([path, 'not-found']);
  });
});
