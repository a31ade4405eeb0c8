import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, graphql, type GraphQLResponse } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { startPlatform, type Platform } from '../harness/platform';

const CLI = join(__dirname, '../../dist/tools/tenant/main.js');
const DEADLINE_MS = 5_000;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run tenant -- …` as an operator runs it: the built CLI in its own process, configured by the environment only. */
function tenantCli(...args: string[]): Promise<CliResult> {
  return tenantCliWith({}, ...args);
}

function tenantCliWith(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Operators create, list, disable and enable tenants with the tenant CLI
 * (built, from dist/, as a container or a k8s Job runs it). A created tenant
 * is prepared by every service from identity.tenant.created before its first
 * request, its admin works everywhere through the gateway, a second tenant
 * is isolated from it, and disabling refuses its users and API keys at the
 * gateway and every subgraph within seconds, until it is enabled again.
 */
describe('tenant administration (npm run tenant)', () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const acme = { slug: `acme-${suffix}`, email: `a@acme-${suffix}.test`, password: 'acme-admin-password' };
  const globex = { slug: `globex-${suffix}`, email: `g@globex-${suffix}.test`, password: 'globex-admin-password' };
  let platform: Platform;
  let dir: string;
  let acmeId: string;
  let acmeToken: string;
  let globexToken: string;
  let apiKey: string;
  let contactId: string;

  const subgraph = (name: string) => `${platform.services[name].url}/graphql`;
  /** One query per service that only a signed-in user of the tenant may ask. */
  const PROBES: Record<string, string> = {
    identity: `{ me { roles } }`,
    sales: `{ contacts(first: 1) { totalCount } }`,
    service: `{ supportQueues { id } }`,
    analytics: `{ clvTiers { name share } }`,
    marketing: `{ marketingSettings { tierOrder } }`,
  };

  async function create(t: typeof acme, name: string): Promise<{ id: string; adminId: string }> {
    const file = join(dir, `${t.slug}.password`);
    await writeFile(file, `${t.password}\n`, { mode: 0o600 });
    const res = await tenantCli(
      'create',
      ...['--slug', t.slug, '--name', name, '--admin-email', t.email, '--admin-password-file', file, '--json'],
    );
    expect(res).toMatchObject({ code: 0 });
    return JSON.parse(res.stdout);
  }

  function login(t: typeof acme): Promise<GraphQLResponse<Record<string, any>>> {
    return graphql(
      platform.graphqlUrl,
      `
        mutation ($i: LoginInput!) {
          login(input: $i) {
            accessToken
            refreshToken
          }
        }
      `,
      {
        i: { tenant: t.slug, email: t.email, password: t.password },
      },
    );
  }

  async function signIn(t: typeof acme): Promise<string> {
    const res = await login(t);
    expect(res.errors).toBeUndefined();
    return res.data!.login.accessToken as string;
  }

  async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(token));
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data!;
  }

  const refused = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED';

  /** Polls until `check` holds; fails naming `what` once DEADLINE_MS has passed since `since`. */
  async function within(what: string, since: number, check: () => Promise<boolean>): Promise<void> {
    for (;;) {
      if (await check()) return;
      if (Date.now() - since > DEADLINE_MS) throw new Error(`${what}: not within ${DEADLINE_MS} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Rows of a service's own table for the tenant, read as the owner (no tenant setting needed). */
  async function rows(service: string, table: string, tenantId: string): Promise<number> {
    const [row]: { n: number }[] = await platform.services[service].app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId]);
    return row.n;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rapport-tenant-cli-'));
    platform = await startPlatform();
  });

  afterAll(async () => {
    await platform?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates a tenant whose admin signs in through the gateway, and lists it', async () => {
    acmeId = (await create(acme, 'Acme Inc')).id;
    acmeToken = await signIn(acme);
    expect((await ok(acmeToken, PROBES.identity)).me.roles).toEqual(['admin']);
    const listed = await tenantCli('list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual({ id: acmeId, slug: acme.slug, name: 'Acme Inc', disabled: false });
    expect((await tenantCli('list')).stdout).toMatch(new RegExp(`${acme.slug}\\s+Acme Inc\\s+enabled\\s+${acmeId}`));
  });

  it('every service prepares the new tenant from identity.tenant.created, before its first request there', async () => {
    const since = Date.now();
    const prepared: [string, string][] = [
      ['sales', 'pipelines'],
      ['sales', 'price_books'],
      ['service', 'knowledge_settings'],
      ['marketing', 'marketing_settings'],
      ['analytics', 'rfm_settings'],
      ['analytics', 'clv_settings'],
    ];
    for (const [service, table] of prepared) {
      await within(`${service}.${table} for the new tenant`, since, async () => (await rows(service, table, acmeId)) === 1);
    }
  });

  it("the tenant's admin works in every service through the gateway", async () => {
    const contact = await ok(
      acmeToken,
      `mutation { createContact(input: { firstName: "Wile", lastName: "Coyote", emails: ["wile@acme.test"] }) { contact { id } } }`,
    );
    contactId = contact.createContact.contact.id;
    const opened = await ok(acmeToken, `mutation ($i: OpenCaseInput!) { openCase(input: $i) { case { id status } } }`, {
      i: { contactId, subject: 'Rocket skates misfire' },
    });
    expect(opened.openCase.case.status).toBeDefined();
    const pipelines = await ok(acmeToken, `{ pipelines { totalCount edges { node { name } } } }`);
    expect(pipelines.pipelines.totalCount).toBe(1);
    expect((await ok(acmeToken, PROBES.analytics)).clvTiers.length).toBeGreaterThan(0);
    expect((await ok(acmeToken, `{ rfmSegments { name } }`)).rfmSegments.length).toBeGreaterThan(0);
    expect((await ok(acmeToken, PROBES.marketing)).marketingSettings.tierOrder).toEqual(['platinum', 'gold', 'silver', 'bronze']);
    const key = await ok(acmeToken, `mutation { createApiKey(input: { name: "partner", scopes: ["contacts:read"] }) { secret } }`);
    apiKey = key.createApiKey.secret;
    const viaKey = await graphql(platform.graphqlUrl, PROBES.sales, {}, { 'x-api-key': apiKey });
    expect(viaKey.errors).toBeUndefined();
  });

  it('a second tenant is isolated from the first', async () => {
    await create(globex, 'Globex');
    globexToken = await signIn(globex);
    expect((await ok(globexToken, PROBES.sales)).contacts.totalCount).toBe(0);
    expect((await ok(globexToken, `query ($id: ID!) { contact(id: $id) { id } }`, { id: contactId })).contact).toBeNull();
    expect((await ok(acmeToken, PROBES.sales)).contacts.totalCount).toBe(1);
  });

  it('refuses to create a tenant twice or to change an unknown one, saying why, with a non-zero exit', async () => {
    const file = join(dir, 'again.password');
    await writeFile(file, 'another-password');
    const again = await tenantCli(
      'create',
      '--slug',
      acme.slug,
      '--name',
      'Again',
      '--admin-email',
      acme.email,
      '--admin-password-file',
      file,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`CONFLICT: tenant ${acme.slug} already exists`);
    const unknown = await tenantCli('disable', '--slug', `nobody-${suffix}`);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`NOT_FOUND: Tenant nobody-${suffix} not found`);
    const short = await tenantCli(
      'create',
      '--slug',
      `short-${suffix}`,
      '--name',
      'S',
      '--admin-email',
      's@s.test',
      '--admin-password-file',
      join(dir, 'missing'),
    );
    expect(short.code).toBe(2);
    expect(short.stderr).toContain(`cannot read --admin-password-file ${join(dir, 'missing')}`);
  });

  it('names what is missing when identity is not migrated or NATS is unreachable', async () => {
    const unmigrated = await tenantCliWith({ DB_SCHEMA_SUFFIX: `nothing_${suffix}` }, 'list');
    expect(unmigrated.code).toBe(1);
    expect(unmigrated.stderr).toContain(`identity's schema "identity_nothing_${suffix}" is not migrated`);
    const noNats = await tenantCliWith({ NATS_URL: 'nats://127.0.0.1:1' }, 'disable', '--slug', acme.slug);
    expect(noNats.code).toBe(1);
    expect(noNats.stderr).toContain('127.0.0.1:1');
    // Nothing changed: NATS is checked before the change is made.
    expect(JSON.parse((await tenantCli('list', '--json')).stdout)).toContainEqual(
      expect.objectContaining({ slug: acme.slug, disabled: false }),
    );
  });

  it("disable refuses the tenant's users and API keys at the gateway and every subgraph within seconds; its data stays", async () => {
    const { refreshToken } = (await login(acme)).data!.login;
    // The key's token as the gateway exchanges it, to present to a subgraph directly.
    const exchange = () =>
      fetch(`${platform.identity.url}/internal/api-keys/exchange`, { method: 'POST', headers: { 'x-api-key': apiKey } });
    const keyToken = ((await (await exchange()).json()) as { accessToken: string }).accessToken;
    const res = await tenantCli('disable', '--slug', acme.slug);
    expect(res).toMatchObject({ code: 0, stdout: `disabled tenant ${acme.slug}\n` });
    // The change is committed and published when the command exits; the deadline runs from there.
    const sentAt = Date.now();
    await within('the admin refused at the gateway', sentAt, async () =>
      refused(await graphql(platform.graphqlUrl, PROBES.sales, {}, bearer(acmeToken))),
    );
    for (const [name, query] of Object.entries(PROBES)) {
      await within(`the admin refused by ${name} directly`, sentAt, async () =>
        refused(await graphql(subgraph(name), query, {}, bearer(acmeToken))),
      );
    }
    await within('the API key refused at the gateway', sentAt, async () =>
      refused(await graphql(platform.graphqlUrl, PROBES.sales, {}, { 'x-api-key': apiKey })),
    );
    await within("the API key's token refused by sales directly", sentAt, async () =>
      refused(await graphql(subgraph('sales'), PROBES.sales, {}, bearer(keyToken))),
    );
    expect((await exchange()).status).toBe(401);
    const again = await login(acme);
    expect(again.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    expect(again.errors![0].message).toContain('this tenant is disabled');
    const refreshed = await graphql(
      platform.graphqlUrl,
      `
        mutation ($i: RefreshTokenInput!) {
          refreshToken(input: $i) {
            accessToken
          }
        }
      `,
      {
        i: { refreshToken },
      },
    );
    expect(refreshed.errors![0]).toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
      message: expect.stringContaining('this tenant is disabled'),
    });
    // The other tenant carries on.
    expect((await ok(globexToken, PROBES.sales)).contacts.totalCount).toBe(0);
    expect(JSON.parse((await tenantCli('list', '--json')).stdout)).toContainEqual(
      expect.objectContaining({ slug: acme.slug, disabled: true }),
    );
    expect((await tenantCli('disable', '--slug', acme.slug)).stdout).toContain('was already disabled; nothing changed');
    expect(await rows('sales', 'contacts', acmeId)).toBe(1);
  });

  it('enable restores sign-in, the old tokens and the API key, with the data as it was', async () => {
    expect(await tenantCli('enable', '--slug', acme.slug)).toMatchObject({ code: 0, stdout: `enabled tenant ${acme.slug}\n` });
    const sentAt = Date.now();
    for (const [name, query] of Object.entries(PROBES)) {
      await within(
        `the admin accepted by ${name} again`,
        sentAt,
        async () => !(await graphql(subgraph(name), query, {}, bearer(acmeToken))).errors,
      );
    }
    await within(
      'the API key accepted at the gateway again',
      sentAt,
      async () => !(await graphql(platform.graphqlUrl, PROBES.sales, {}, { 'x-api-key': apiKey })).errors,
    );
    const token = await signIn(acme);
    expect((await ok(token, PROBES.sales)).contacts.totalCount).toBe(1);
  });
});
