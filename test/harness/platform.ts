import { DataSource } from 'typeorm';
import Redis from 'ioredis';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway.env';
import { startGateway, type RunningGateway } from '../../apps/gateway/src/gateway-server';
import { subgraphUrlVariable } from '../../apps/gateway/src/subgraphs';
import { TenantProvisioning } from '../../apps/identity/src/tenants/tenant-provisioning.service';
import { UsersService } from '../../apps/identity/src/users/users.service';
import type { StartedService } from '@rapport/service-kit';
import { graphql, startService } from '@rapport/testing';
import { SYSTEM_ACTOR, type Role } from '@rapport/contracts';

import { TEST_SUBGRAPHS } from './subgraphs';

export interface Platform {
  identity: StartedService;
  sales: StartedService;
  /** Every started subgraph by name. */
  services: Record<string, StartedService>;
  gateway: RunningGateway;
  /** The gateway's GraphQL endpoint. */
  graphqlUrl: string;
  stop(): Promise<void>;
}

/**
 * The whole platform in this process, on free ports, against the real
 * Postgres/NATS/Redis with this run's isolated schemas, streams and keys.
 */
export async function startPlatform(
  gatewayEnv: Record<string, string> = {},
  /** Extra environment per subgraph, e.g. { marketing: { MARKETING_SMTP_URL: … } }. */
  serviceEnv: Record<string, Record<string, string>> = {},
  /** Subgraphs the test runs itself (e.g. as a separate process); give the gateway their SUBGRAPH_<NAME>_URL. */
  options: { skip?: string[] } = {},
): Promise<Platform> {
  const services: Record<string, StartedService> = {};
  let jwks = '';
  for (const { name, module, definition } of TEST_SUBGRAPHS) {
    if (options.skip?.includes(name)) continue;
    services[name] = await startService(module, definition, { ...(jwks ? { IDENTITY_JWKS_URL: jwks } : {}), ...(serviceEnv[name] ?? {}) });
    if (name === 'identity') jwks = `${services.identity.url}/.well-known/jwks.json`;
  }
  const subgraphUrls = Object.fromEntries(Object.entries(services).map(([name, s]) => [subgraphUrlVariable(name), `${s.url}/graphql`]));
  const gateway = await startGateway(
    loadGatewayConfig({
      ...process.env,
      PORT: '0',
      IDENTITY_JWKS_URL: jwks,
      IDENTITY_URL: services.identity.url,
      // Every service shares the test's one event loop on a loaded 2-core machine: a subgraph may be slow, not gone.
      // Tests of the timeout itself set their own.
      SUBGRAPH_TIMEOUT_MS: '20000',
      ...subgraphUrls,
      ...gatewayEnv,
    }),
  );
  return {
    identity: services.identity,
    sales: services.sales,
    services,
    gateway,
    graphqlUrl: `${gateway.url}/graphql`,
    async stop() {
      await gateway.close();
      // Failed sign-ins are counted per address too (always 127.0.0.1 here) in the run's one identity schema.
      if (services.identity)
        await services.identity.app.get(DataSource).query(`DELETE FROM login_throttle; DELETE FROM password_reset_throttle`);
      for (const s of Object.values(services).reverse()) await s.close();
      await forgetRateLimits();
    },
  };
}

export interface TestTenant {
  id: string;
  slug: string;
  /** Signs in as a user of this tenant and returns the access token. */
  tokenFor(role?: Role): Promise<string>;
  /**
   * Creates a user with these roles (and manager) under a name of its own —
   * e.g. two reps and the manager of one — and signs them in.
   */
  createUser(name: string, roles: Role[], managerId?: string): Promise<{ id: string; token: string }>;
}

const PASSWORD = 'integration-password';

/** A fresh tenant with an admin (under `options.slug` when the test must know it in advance); `tokenFor(role)` creates and signs in a user with that role. */
export async function createTenant(platform: Platform, name: string, options: { slug?: string } = {}): Promise<TestTenant> {
  const slug = options.slug ?? `${name}-${Math.random().toString(36).slice(2, 8)}`;
  const { tenant } = await platform.identity.app.get(TenantProvisioning).provision({
    slug,
    name,
    admin: { email: `admin@${slug}.test`, displayName: 'Admin', password: PASSWORD },
  });
  const users = platform.identity.app.get(UsersService);
  const created = new Set<string>(['admin']);
  const login = async (email: string): Promise<string> => {
    const res = await graphql(
      platform.graphqlUrl,
      `
        mutation ($i: LoginInput!) {
          login(input: $i) {
            accessToken
          }
        }
      `,
      {
        i: { tenant: slug, email, password: PASSWORD },
      },
    );
    if (res.errors) throw new Error(`login failed: ${JSON.stringify(res.errors)}`);
    return res.data!.login.accessToken as string;
  };
  return {
    id: tenant.id,
    slug,
    async tokenFor(role: Role = 'admin') {
      const email = `${role}@${slug}.test`;
      if (!created.has(role)) {
        await users['db'].withTenant(tenant.id, (em) =>
          users.insertUser(em, tenant.id, SYSTEM_ACTOR, { email, displayName: role, password: PASSWORD, roles: [role] }),
        );
        created.add(role);
      }
      return login(email);
    },
    async createUser(name: string, roles: Role[], managerId?: string) {
      const email = `${name}@${slug}.test`;
      const user = await users['db'].withTenant(tenant.id, (em) =>
        users.insertUser(em, tenant.id, SYSTEM_ACTOR, { email, displayName: name, password: PASSWORD, roles, managerId }),
      );
      return { id: user.id, token: await login(email) };
    },
  };
}

/** Creates a self-service customer login bound to `contactId` and signs it in through the gateway; returns the access token. */
export async function customerToken(platform: Platform, tenant: TestTenant, contactId: string): Promise<string> {
  const email = `customer-${contactId.slice(0, 8)}-${Math.random().toString(36).slice(2, 6)}@${tenant.slug}.test`;
  const users = platform.identity.app.get(UsersService);
  await users['db'].withTenant(tenant.id, (em) =>
    users.insertUser(em, tenant.id, SYSTEM_ACTOR, { email, displayName: 'Customer', password: PASSWORD, roles: ['customer'], contactId }),
  );
  const res = await graphql(
    platform.graphqlUrl,
    `
      mutation ($i: LoginInput!) {
        login(input: $i) {
          accessToken
        }
      }
    `,
    {
      i: { tenant: tenant.slug, email, password: PASSWORD },
    },
  );
  if (res.errors) throw new Error(`customer login failed: ${JSON.stringify(res.errors)}`);
  return res.data!.login.accessToken as string;
}

/**
 * Rate-limit windows are keyed by caller (user, key or IP: here always
 * 127.0.0.1) under the run's Redis prefix, so they outlive a platform: a suite
 * that sent thousands of anonymous requests would throttle the next suite's
 * sign-ins. A stopped platform leaves none behind.
 */
async function forgetRateLimits(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL as string, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${process.env.REDIS_PREFIX}:ratelimit:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
