/**
 * In production neither the gateway nor a subgraph hints at the schema in
 * its errors ("Did you mean …?"), as introspection is off there too.
 */
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
});
