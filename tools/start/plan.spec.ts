import {
  INFRA_DEFAULTS,
  isLocalHost,
  planInfrastructure,
  planServices,
  publicGraphqlUrl,
  redactUrl,
  subgraphUrlVariable,
  withDatabase,
} from './plan';
import { SERVICES, type ServiceEntry } from './services';

describe('planInfrastructure', () => {
  it('uses the services’ defaults when nothing is set', () => {
    const plan = planInfrastructure({});
    expect(plan.postgres).toMatchObject({
      url: INFRA_DEFAULTS.DATABASE_URL,
      host: '127.0.0.1',
      port: 5432,
      local: true,
      database: 'rapport',
      user: 'postgres',
      password: '',
    });
    expect(plan.nats).toMatchObject({ url: 'nats://127.0.0.1:4222', host: '127.0.0.1', port: 4222, local: true, variable: 'NATS_URL' });
    expect(plan.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', host: '127.0.0.1', port: 6379, local: true, variable: 'REDIS_URL' });
  });

  it('reads DATABASE_URL, NATS_URL and REDIS_URL, with protocol default ports', () => {
    const plan = planInfrastructure({
      DATABASE_URL: 'postgresql://app:s%40cret@db.example.com/crm%5Fdev',
      NATS_URL: 'nats://localhost',
      REDIS_URL: 'redis://[::1]:7000',
    });
    expect(plan.postgres).toMatchObject({
      host: 'db.example.com',
      port: 5432,
      local: false,
      database: 'crm_dev',
      user: 'app',
      password: 's@cret',
    });
    expect(plan.nats).toMatchObject({ host: 'localhost', port: 4222, local: true });
    expect(plan.redis).toMatchObject({ host: '::1', port: 7000, local: true });
  });

  it('treats an empty variable as unset', () => {
    expect(planInfrastructure({ NATS_URL: '' }).nats.url).toBe(INFRA_DEFAULTS.NATS_URL);
  });

  it('names the variable of a malformed or wrong-protocol URL', () => {
    expect(() => planInfrastructure({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL="not a url" is not a URL/);
    expect(() => planInfrastructure({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(/REDIS_URL must start with redis:\/\/ or rediss:\/\//);
  });
});

describe('isLocalHost', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '0.0.0.0'])('%s is local', (host) =>
    expect(isLocalHost(host)).toBe(true),
  );
  it.each(['db.example.com', '10.0.0.5', 'postgres'])('%s is not', (host) => expect(isLocalHost(host)).toBe(false));
});

describe('URL helpers', () => {
  it('hides passwords', () => {
    expect(redactUrl('postgres://u:secret@h:1/db')).toBe('postgres://u:***@h:1/db');
    expect(redactUrl('nats://h:4222')).toBe('nats://h:4222');
  });

  it('swaps the database, keeping server and credentials', () => {
    expect(withDatabase('postgres://u:p@h:5433/rapport?sslmode=disable', 'postgres')).toBe(
      'postgres://u:p@h:5433/postgres?sslmode=disable',
    );
  });

  it('derives the gateway variable for a subgraph', () => {
    expect(subgraphUrlVariable('sales')).toBe('SUBGRAPH_SALES_URL');
    expect(subgraphUrlVariable('lead-scoring')).toBe('SUBGRAPH_LEAD_SCORING_URL');
  });
});

describe('planServices', () => {
  const infra = planInfrastructure({});

  it('starts identity, sales, analytics, service, marketing, then the gateway on 4001, 4002, 4004, 4003, 4005, 4000 by default', () => {
    const plan = planServices(SERVICES, {}, infra);
    expect(plan.map((s) => [s.entry.name, s.port])).toEqual([
      ['identity', 4001],
      ['sales', 4002],
      ['analytics', 4004],
      ['service', 4003],
      ['marketing', 4005],
      ['gateway', 4000],
    ]);
    expect(plan[0].readyUrl).toBe('http://127.0.0.1:4001/health/ready');
    expect(publicGraphqlUrl(plan[5])).toBe('http://localhost:4000/graphql');
    // Links in marketing's messages point at the gateway.
    expect(plan[4].env.MARKETING_PUBLIC_URL).toBe('http://localhost:4000');
  });

  it('wires every service to identity’s keys and the gateway to every subgraph', () => {
    const env = {
      PORT: '5000',
      IDENTITY_PORT: '5001',
      SALES_PORT: '5002',
      ANALYTICS_PORT: '5004',
      SERVICE_PORT: '5003',
      MARKETING_PORT: '5005',
      RAPPORT_DEMO_PASSWORD: 'pw',
    };
    const [identity, sales, , , marketing, gateway] = planServices(SERVICES, env, infra);
    const jwks = 'http://127.0.0.1:5001/.well-known/jwks.json';
    expect(identity.env).toMatchObject({ PORT: '5001', IDENTITY_JWKS_URL: jwks, SEED_DEMO: 'true', RAPPORT_DEMO_PASSWORD: 'pw' });
    expect(sales.env).toMatchObject({ PORT: '5002', IDENTITY_JWKS_URL: jwks });
    expect(sales.env.SEED_DEMO).toBeUndefined();
    expect(gateway.env).toMatchObject({
      PORT: '5000',
      IDENTITY_JWKS_URL: jwks,
      IDENTITY_URL: 'http://127.0.0.1:5001',
      SUBGRAPH_IDENTITY_URL: 'http://127.0.0.1:5001/graphql',
      SUBGRAPH_SALES_URL: 'http://127.0.0.1:5002/graphql',
      SUBGRAPH_ANALYTICS_URL: 'http://127.0.0.1:5004/graphql',
      SUBGRAPH_SERVICE_URL: 'http://127.0.0.1:5003/graphql',
      SUBGRAPH_MARKETING_URL: 'http://127.0.0.1:5005/graphql',
    });
    expect(marketing.env).toMatchObject({ PORT: '5005', MARKETING_PUBLIC_URL: 'http://localhost:5000' });
  });

  it('gives every service no shutdown grace period (nothing to drain traffic away from) unless SHUTDOWN_GRACE_MS says otherwise', () => {
    for (const s of planServices(SERVICES, {}, infra)) expect(s.env.SHUTDOWN_GRACE_MS).toBe('0');
    expect(planServices(SERVICES, { SHUTDOWN_GRACE_MS: '2000' }, infra)[0].env.SHUTDOWN_GRACE_MS).toBe('2000');
  });

  it('binds subgraphs to 127.0.0.1 unless HOST says otherwise, and leaves the gateway public', () => {
    const plan = planServices(SERVICES, {}, infra);
    for (const s of plan.filter((p) => p.entry.role === 'subgraph')) expect(s.env.HOST).toBe('127.0.0.1');
    expect(plan.find((p) => p.entry.role === 'gateway')?.env.HOST).toBeUndefined();
    expect(planServices(SERVICES, { HOST: '10.0.0.5' }, infra)[1].env.HOST).toBe('10.0.0.5');
  });

  it('passes the resolved infrastructure URLs to every child', () => {
    const custom = planInfrastructure({ DATABASE_URL: 'postgres://postgres@127.0.0.1:55432/x' });
    for (const s of planServices(SERVICES, {}, custom)) {
      expect(s.env).toMatchObject({
        DATABASE_URL: 'postgres://postgres@127.0.0.1:55432/x',
        NATS_URL: INFRA_DEFAULTS.NATS_URL,
        REDIS_URL: INFRA_DEFAULTS.REDIS_URL,
      });
    }
  });

  it('defaults the demo password', () => {
    expect(planServices(SERVICES, {}, infra)[0].env.RAPPORT_DEMO_PASSWORD).toBe('rapport-demo');
  });

  it('takes a new subgraph from one list entry, gateway last whatever the list order', () => {
    const reports: ServiceEntry = {
      name: 'reports',
      entry: 'apps/reports/src/main.js',
      portVariable: 'REPORTS_PORT',
      defaultPort: 4006,
      role: 'subgraph',
    };
    const plan = planServices([...SERVICES, reports], {}, infra);
    expect(plan.map((s) => s.entry.name)).toEqual(['identity', 'sales', 'analytics', 'service', 'marketing', 'reports', 'gateway']);
    expect(plan[6].env.SUBGRAPH_REPORTS_URL).toBe('http://127.0.0.1:4006/graphql');
  });

  it('rejects a bad port and a port used twice, naming the variables', () => {
    expect(() => planServices(SERVICES, { SALES_PORT: '70000' }, infra)).toThrow(/SALES_PORT="70000" is not a port/);
    expect(() => planServices(SERVICES, { IDENTITY_PORT: '0' }, infra)).toThrow(/IDENTITY_PORT="0"/);
    expect(() => planServices(SERVICES, { SALES_PORT: '4001' }, infra)).toThrow(
      /sales and identity would both use port 4001: set SALES_PORT or IDENTITY_PORT/,
    );
  });

  it('requires exactly one gateway and an identity service', () => {
    expect(() =>
      planServices(
        SERVICES.filter((s) => s.role !== 'gateway'),
        {},
        infra,
      ),
    ).toThrow(/exactly one gateway/);
    expect(() =>
      planServices(
        SERVICES.filter((s) => s.name !== 'identity'),
        {},
        infra,
      ),
    ).toThrow(/no identity service/);
  });
});
