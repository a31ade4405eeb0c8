/**
 * In production neither the gateway nor a subgraph hints at the schema in
 * its errors ("Did you mean …?"), as introspection is off there too; nor
 * does a subgraph hand its SDL (`_service`) to anyone but the gateway.
 */
import { signForwardedCaller } from '@rapport/auth';
import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform } from '../harness/platform';

jest.setTimeout(120_000);

describe('errors in production (end to end)', () => {
  let platform: Platform;
  let token: string;

  beforeAll(async () => {
    platform = await startPlatform({ NODE_ENV: 'production' }, { sales: { NODE_ENV: 'production' } });
    token = await (await createTenant(platform, 'prod-errors')).tokenFor('sales_rep');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('gives no schema suggestions at the gateway or at a subgraph, and still names the field', async () => {
    for (const url of [platform.graphqlUrl, `${platform.services.sales.url}/graphql`]) {
      const res = await graphql(
        url,
        `
          {
            contactz {
              totalCount
            }
          }
        `,
        {},
        bearer(token),
      );
      expect(res.errors![0].message).not.toMatch(/Did you mean/);
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
  });

  it('serves _service { sdl } at a subgraph only to the gateway: not to anonymous callers, nor to a token', async () => {
    const url = `${platform.services.sales.url}/graphql`;
    const SDL = '{ _service { sdl } }';
    for (const headers of [{}, bearer(token)]) {
      const res = await graphql(url, SDL, {}, headers);
      expect({ status: res.status, code: res.errors?.[0]?.extensions?.code, data: res.data?._service }).toEqual({
        status: 403,
        code: 'FORBIDDEN',
        data: undefined,
      });
    }
    // The gateway's signature (GATEWAY_SECRET) is the credential; `npm run compose` reads the SDL files and needs none.
    const signed = await graphql(url, SDL, {}, signForwardedCaller(process.env.GATEWAY_SECRET as string, '10.0.0.1'));
    expect(signed.data?._service.sdl).toContain('type Contact');
    // Outside production (identity here) it stays open for local tools.
    const dev = await graphql(`${platform.identity.url}/graphql`, SDL);
    expect(dev.data?._service.sdl).toContain('login');
  });
});
