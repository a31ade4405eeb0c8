import { signForwardedCaller } from '@rapport/auth';
import type { StartedService } from '@rapport/service-kit';
import { graphql, startService, type GraphQLResponse } from '@rapport/testing';
import { IdentityAppModule } from '../app.module';
import { identityDefinition } from '../identity.definition';
import { TenantProvisioning } from '../tenants/tenant-provisioning.service';

/**
 * Sign-in throttling on the real database, with two identity replicas over
 * one schema. Each test signs in from its own address, which the test
 * forwards as the gateway does (signed with the run's GATEWAY_SECRET).
 */
describe('login throttling', () => {
  const ENV = { LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_IP: '5', LOGIN_LOCKOUT_SECONDS: '900' };
  let replicaA: StartedService;
  let replicaB: StartedService;
  const slug = `throttle-${Date.now().toString(36)}`;
  const password = 'correct-horse-battery';

  beforeAll(async () => {
    replicaA = await startService(IdentityAppModule, identityDefinition, ENV);
    replicaB = await startService(IdentityAppModule, identityDefinition, ENV);
    const provisioning = replicaA.app.get(TenantProvisioning);
    await provisioning.provision({ slug, name: 'Throttle', admin: { email: 'boss@throttle.test', displayName: 'Boss', password } });
  }, 120_000);

  afterAll(async () => {
    await replicaB?.close();
    await replicaA?.close();
  });

  const login = (replica: StartedService, ip: string, email: string, pw: string): Promise<GraphQLResponse> =>
    graphql(
      `${replica.url}/graphql`,
      'mutation ($i: LoginInput!) { login(input: $i) { accessToken } }',
      { i: { tenant: slug, email, password: pw } },
      signForwardedCaller(process.env.GATEWAY_SECRET as string, ip),
    );
  const outcome = (res: GraphQLResponse) => (res.errors ? (res.errors[0].extensions?.code as string) : 'OK');

  it('locks an account after its failures, across replicas, and refuses even the right password with RATE_LIMITED and retryAfter', async () => {
    const ip = '203.0.113.1';
    // Failures land on both replicas: the count is in Postgres, not in a process.
    const failures = [
      await login(replicaA, ip, 'boss@throttle.test', 'wrong-1'),
      await login(replicaB, ip, 'boss@throttle.test', 'wrong-2'),
      await login(replicaA, ip, 'BOSS@throttle.test ', 'wrong-3'),
    ];
    expect(failures.map(outcome)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);

    const locked = await login(replicaB, ip, 'boss@throttle.test', password);
    expect(locked.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    const retryAfter = locked.errors![0].extensions!.retryAfter as number;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(locked.errors![0].message).toBe(`too many failed sign-in attempts; try again in ${retryAfter} s`);
    // The lock is the account's: from another address it is refused too.
    expect(outcome(await login(replicaA, '203.0.113.2', 'boss@throttle.test', password))).toBe('RATE_LIMITED');
  });

  it('locks an account that does not exist exactly like one that does, so a refusal tells nothing', async () => {
    const ip = '203.0.113.3';
    for (let i = 0; i < 3; i++) expect(outcome(await login(replicaA, ip, 'ghost@throttle.test', `wrong-${i}`))).toBe('UNAUTHENTICATED');
    const ghost = await login(replicaB, ip, 'ghost@throttle.test', password);
    expect(ghost.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(ghost.errors![0].message).toMatch(/^too many failed sign-in attempts; try again in \d+ s$/);
  });

  it('starts an account afresh after a successful sign-in', async () => {
    const ip = '203.0.113.4';
    const email = 'boss@throttle.test';
    // The first test locked this tenant's boss: another tenant's admin of the same email is another account.
    const other = `${slug}-b`;
    await replicaA.app.get(TenantProvisioning).provision({ slug: other, name: 'B', admin: { email, displayName: 'B', password } });
    const signIn = (pw: string) =>
      graphql(
        `${replicaA.url}/graphql`,
        'mutation ($i: LoginInput!) { login(input: $i) { accessToken } }',
        { i: { tenant: other, email, password: pw } },
        signForwardedCaller(process.env.GATEWAY_SECRET as string, ip),
      ).then(outcome);
    expect([await signIn('x1'), await signIn('x2'), await signIn(password)]).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'OK']);
    // Two more failures: 2 of 3 since the success, not 4.
    expect([await signIn('x3'), await signIn('x4'), await signIn(password)]).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'OK']);
  });

  it('locks an address after its failures over many accounts, leaving other addresses alone', async () => {
    const ip = '203.0.113.5';
    const tried = [];
    for (let i = 0; i < 5; i++) tried.push(outcome(await login(replicaA, ip, `nobody-${i}@throttle.test`, 'guess')));
    expect(tried).toEqual(Array(5).fill('UNAUTHENTICATED'));
    expect(outcome(await login(replicaB, ip, 'fresh@throttle.test', 'guess'))).toBe('RATE_LIMITED');
    // A different client is not held back by that address.
    expect(outcome(await login(replicaB, '203.0.113.6', 'fresh@throttle.test', 'guess'))).toBe('UNAUTHENTICATED');
  });
});
