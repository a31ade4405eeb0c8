import type { StartedService } from '@rapport/service-kit';
import { bearer, graphql, startService } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { IdentityAppModule } from '../app.module';
import { identityDefinition } from '../identity.definition';
import { TenantProvisioning } from '../tenants/tenant-provisioning.service';

describe('identity service', () => {
  let identity: StartedService;
  let gql: string;
  const slug = `acme-${Date.now().toString(36)}`;
  const password = 'correct-horse-battery';

  beforeAll(async () => {
    identity = await startService(IdentityAppModule, identityDefinition);
    gql = `${identity.url}/graphql`;
    await identity.app.get(TenantProvisioning).provision({
      slug,
      name: 'Acme',
      admin: { email: 'Boss@Acme.test', displayName: 'Boss', password },
    });
  });

  afterAll(async () => {
    await identity?.close();
  });

  const login = (email: string, pw: string) =>
    graphql(
      gql,
      `
        mutation ($i: LoginInput!) {
          login(input: $i) {
            accessToken
            refreshToken
            expiresAt
          }
        }
      `,
      {
        i: { tenant: slug, email, password: pw },
      },
    );

  it('logs in, answers me, and publishes keys as JWKS', async () => {
    const res = await login('boss@acme.test', password);
    expect(res.errors).toBeUndefined();
    const token = res.data!.login.accessToken;
    const me = await graphql(
      gql,
      `
        {
          me {
            kind
            roles
            tenant {
              slug
            }
            user {
              email
              displayName
            }
          }
        }
      `,
      {},
      bearer(token),
    );
    expect(me.data!.me).toEqual({
      kind: 'user',
      roles: ['admin'],
      tenant: { slug },
      user: { email: 'boss@acme.test', displayName: 'Boss' },
    });
    const jwks = (await (await fetch(`${identity.url}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('refuses a wrong password with UNAUTHENTICATED and the same message as an unknown user', async () => {
    const wrong = await login('boss@acme.test', 'nope-nope-nope');
    const unknown = await login('ghost@acme.test', password);
    expect(wrong.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0].message).toBe(unknown.errors![0].message);
  });

  it('rotates refresh tokens and treats reuse as theft', async () => {
    const first = (await login('boss@acme.test', password)).data!.login;
    const refresh = `mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { accessToken refreshToken } }`;
    const second = await graphql(gql, refresh, { i: { refreshToken: first.refreshToken } });
    expect(second.errors).toBeUndefined();
    const reused = await graphql(gql, refresh, { i: { refreshToken: first.refreshToken } });
    expect(reused.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const afterTheft = await graphql(gql, refresh, { i: { refreshToken: second.data!.refreshToken.refreshToken } });
    expect(afterTheft.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });

  it("answers a NUL byte in the tenant or email as the caller's error naming the field, not as a server fault", async () => {
    const ask = (i: Record<string, string>) =>
      graphql(
        gql,
        `
          mutation ($i: LoginInput!) {
            login(input: $i) {
              accessToken
            }
          }
        `,
        {
          i: { tenant: slug, email: 'boss@acme.test', password, ...i },
        },
      );
    const badTenant = await ask({ tenant: 'love\u0000lace' });
    expect(badTenant.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.tenant' });
    const badEmail = await ask({ email: 'boss\u0000@acme.test' });
    expect(badEmail.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
  });

  it('grants only scopes from the published catalogue, naming the ones it refuses', async () => {
    const token = (await login('boss@acme.test', password)).data!.login.accessToken;
    const catalogue = await graphql(
      gql,
      `
        {
          apiScopes {
            name
            resource
            access
            description
          }
        }
      `,
      {},
      bearer(token),
    );
    expect(catalogue.data!.apiScopes).toContainEqual({
      name: 'contacts:write',
      resource: 'contacts',
      access: 'WRITE',
      description: expect.stringContaining('contacts'),
    });
    const refused = await graphql(
      gql,
      `
        mutation {
          createApiKey(input: { name: "greedy", scopes: ["contacts:read", "everything:write", "contact:write"] }) {
            secret
          }
        }
      `,
      {},
      bearer(token),
    );
    expect(refused.errors![0]).toMatchObject({
      message: expect.stringContaining('"everything:write", "contact:write"'),
      extensions: { code: 'BAD_USER_INPUT', field: 'scopes' },
    });
    const keys = await graphql(
      gql,
      `
        {
          apiKeys {
            name
          }
        }
      `,
      {},
      bearer(token),
    );
    expect(keys.data!.apiKeys.map((k: { name: string }) => k.name)).not.toContain('greedy');
  });

  it('issues API keys that exchange for scoped partner tokens until revoked', async () => {
    const token = (await login('boss@acme.test', password)).data!.login.accessToken;
    const created = await graphql(
      gql,
      `
        mutation {
          createApiKey(input: { name: "web form", scopes: ["leads:write"] }) {
            secret
            apiKey {
              id
              scopes
            }
          }
        }
      `,
      {},
      bearer(token),
    );
    expect(created.errors).toBeUndefined();
    const { secret, apiKey } = created.data!.createApiKey;
    const exchange = () => fetch(`${identity.url}/internal/api-keys/exchange`, { method: 'POST', headers: { 'x-api-key': secret } });
    const ok = await exchange();
    expect(ok.status).toBe(200);
    const partnerToken = ((await ok.json()) as { accessToken: string }).accessToken;
    const me = await graphql(
      gql,
      `
        {
          me {
            kind
            roles
            scopes
            user {
              id
            }
          }
        }
      `,
      {},
      bearer(partnerToken),
    );
    expect(me.data!.me).toEqual({ kind: 'apiKey', roles: ['partner'], scopes: ['leads:write'], user: null });

    await graphql(
      gql,
      `
        mutation ($id: ID!) {
          revokeApiKey(id: $id) {
            apiKey {
              revokedAt
            }
          }
        }
      `,
      { id: apiKey.id },
      bearer(token),
    );
    expect((await exchange()).status).toBe(401);
    // Revoking again changes nothing; the one event tells verifiers to refuse the tokens already exchanged.
    await graphql(
      gql,
      `
        mutation ($id: ID!) {
          revokeApiKey(id: $id) {
            apiKey {
              id
            }
          }
        }
      `,
      { id: apiKey.id },
      bearer(token),
    );
    const events: { type: string; envelope: { data: { apiKey: Record<string, unknown> } } }[] = await identity.app
      .get(DataSource)
      .query(`SELECT type, envelope FROM outbox WHERE envelope->>'subjectId' = $1 AND type <> 'identity.audit.recorded' ORDER BY id`, [
        apiKey.id,
      ]);
    expect(events.map((e) => e.type)).toEqual(['identity.api_key.created', 'identity.api_key.revoked']);
    expect(events[0].envelope.data.apiKey).toEqual({ id: apiKey.id, name: 'web form', scopes: expect.any(Array) });
    expect(events[1].envelope.data.apiKey).toMatchObject({ id: apiKey.id, name: 'web form' });
  });

  it('updates, deactivates and reactivates users, publishing identity.user.* with the whole user', async () => {
    const admin = (await login('boss@acme.test', password)).data!.login.accessToken;
    const call = (query: string, variables: Record<string, unknown>, token = admin) => graphql(gql, query, variables, bearer(token));
    const created = await call(`mutation($i: CreateUserInput!) { createUser(input: $i) { user { id active } } }`, {
      i: { email: 'rep@acme.test', displayName: 'Rep', password: 'rep-password-1', roles: ['sales_rep'] },
    });
    expect(created.errors).toBeUndefined();
    const id = created.data!.createUser.user.id as string;
    expect(created.data!.createUser.user.active).toBe(true);

    const USER = `user { id displayName roles active }`;
    const updated = await call(`mutation($i: UpdateUserInput!) { updateUser(input: $i) { ${USER} } }`, {
      i: { id, displayName: 'Senior Rep', roles: ['sales_rep', 'sales_manager'] },
    });
    expect(updated.data!.updateUser.user).toEqual({ id, displayName: 'Senior Rep', roles: ['sales_rep', 'sales_manager'], active: true });
    // Signed in after the role change: a token from before it is refused (test/e2e/revocation.integration-spec.ts).
    const repSession = (await login('rep@acme.test', 'rep-password-1')).data!.login;
    const badRole = await call(`mutation($i: UpdateUserInput!) { updateUser(input: $i) { user { id } } }`, { i: { id, roles: ['boss'] } });
    expect(badRole.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roles' });
    // Only admins.
    const byRep = await call(`mutation($id: ID!) { deactivateUser(id: $id) { user { id } } }`, { id }, repSession.accessToken);
    expect(byRep.errors![0].extensions!.code).toBe('FORBIDDEN');

    const deactivated = await call(`mutation($id: ID!) { deactivateUser(id: $id) { ${USER} } }`, { id });
    expect(deactivated.data!.deactivateUser.user.active).toBe(false);
    expect((await login('rep@acme.test', 'rep-password-1')).errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const refreshed = await graphql(
      gql,
      `
        mutation ($i: RefreshTokenInput!) {
          refreshToken(input: $i) {
            accessToken
          }
        }
      `,
      {
        i: { refreshToken: repSession.refreshToken },
      },
    );
    expect(refreshed.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    // Again: nothing changes, no second event.
    await call(`mutation($id: ID!) { deactivateUser(id: $id) { user { id } } }`, { id });
    const me = await call(`{ me { user { id } } }`, {});
    const self = await call(`mutation($id: ID!) { deactivateUser(id: $id) { user { id } } }`, { id: me.data!.me.user.id });
    expect(self.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });

    const reactivated = await call(`mutation($id: ID!) { reactivateUser(id: $id) { ${USER} } }`, { id });
    expect(reactivated.data!.reactivateUser.user.active).toBe(true);
    expect((await login('rep@acme.test', 'rep-password-1')).errors).toBeUndefined();

    const events: { type: string; envelope: { data: Record<string, unknown> } }[] = await identity.app
      .get(DataSource)
      .query(`SELECT type, envelope FROM outbox WHERE envelope->>'subjectId' = $1 AND type <> 'identity.audit.recorded' ORDER BY id`, [id]);
    expect(events.map((e) => [e.type, e.envelope.data])).toEqual([
      [
        'identity.user.created',
        { user: { id, email: 'rep@acme.test', displayName: 'Rep', roles: ['sales_rep'], active: true, tokenVersion: 0, managerId: null } },
      ],
      [
        'identity.user.updated',
        {
          user: {
            id,
            email: 'rep@acme.test',
            displayName: 'Senior Rep',
            roles: ['sales_rep', 'sales_manager'],
            active: true,
            tokenVersion: 1,
            managerId: null,
          },
          changed: ['displayName', 'roles'],
        },
      ],
      [
        'identity.user.deactivated',
        {
          user: {
            id,
            email: 'rep@acme.test',
            displayName: 'Senior Rep',
            roles: ['sales_rep', 'sales_manager'],
            active: false,
            tokenVersion: 2,
            managerId: null,
          },
        },
      ],
      [
        // Reactivation does not raise the version: the tokens it refused were issued before the deactivation.
        'identity.user.updated',
        {
          user: {
            id,
            email: 'rep@acme.test',
            displayName: 'Senior Rep',
            roles: ['sales_rep', 'sales_manager'],
            active: true,
            tokenVersion: 2,
            managerId: null,
          },
          changed: ['active'],
        },
      ],
    ]);
  });

  it('gives users a manager, refuses a loop naming managerId, and publishes the manager in the user snapshot', async () => {
    const admin = (await login('boss@acme.test', password)).data!.login.accessToken;
    const call = (query: string, variables: Record<string, unknown>) => graphql(gql, query, variables, bearer(admin));
    const create = async (email: string, managerId?: string) =>
      call(`mutation($i: CreateUserInput!) { createUser(input: $i) { user { id managerId } } }`, {
        i: { email, displayName: email, password: 'team-password-1', roles: ['sales_rep'], managerId },
      });
    const lead = (await create('lead@acme.test')).data!.createUser.user.id as string;
    const rep = await create('report@acme.test', lead);
    expect(rep.errors).toBeUndefined();
    const repId = rep.data!.createUser.user.id as string;
    expect(rep.data!.createUser.user.managerId).toBe(lead);
    expect((await create('nobody@acme.test', '01900000-0000-7000-8000-000000000000')).errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'managerId',
    });

    const update = (id: string, managerId: string | null) =>
      call(`mutation($i: UpdateUserInput!) { updateUser(input: $i) { user { id managerId } } }`, { i: { id, managerId } });
    // The lead cannot report to their own report, nor to themselves.
    expect((await update(lead, repId)).errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'managerId' });
    expect((await update(lead, lead)).errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'managerId' });
    expect((await update(repId, null)).data!.updateUser.user.managerId).toBeNull();

    const events: { type: string; envelope: { data: { user: { managerId: string | null }; changed?: string[] } } }[] = await identity.app
      .get(DataSource)
      .query(`SELECT type, envelope FROM outbox WHERE envelope->>'subjectId' = $1 AND type <> 'identity.audit.recorded' ORDER BY id`, [
        repId,
      ]);
    expect(events.map((e) => [e.type, e.envelope.data.user.managerId, e.envelope.data.changed])).toEqual([
      ['identity.user.created', lead, undefined],
      ['identity.user.updated', null, ['managerId']],
    ]);
  });

  it('refuses anonymous and forged callers', async () => {
    const anon = await graphql(
      gql,
      `
        {
          me {
            kind
          }
        }
      `,
    );
    expect(anon.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const forged = await graphql(
      gql,
      `
        {
          me {
            kind
          }
        }
      `,
      {},
      bearer('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'),
    );
    expect(forged.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('serves health and metrics', async () => {
    expect((await fetch(`${identity.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${identity.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { postgres: { status: 'ok' }, nats: { status: 'ok' } } });
    expect(await (await fetch(`${identity.url}/metrics`)).text()).toMatch(/http_request_duration_seconds_bucket/);
  });
});
