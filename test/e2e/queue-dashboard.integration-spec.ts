import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

/**
 * The job-queue dashboard (bull-board) at the gateway's /admin/queues: it
 * shows every tenant's jobs, so only admins of the operators' tenant get in,
 * through a sign-in form that sets an HttpOnly session cookie; it is
 * read-only, and an admin who is deactivated loses it like the API.
 */
describe('queue dashboard behind the operators’ admin sign-in', () => {
  let platform: Platform;
  let ops: TestTenant;
  let other: TestTenant;
  const opsSlug = `ops-${Math.random().toString(36).slice(2, 8)}`;
  const PASSWORD = 'integration-password';
  let base: string;

  beforeAll(async () => {
    platform = await startPlatform({ QUEUE_DASHBOARD_TENANT: opsSlug });
    ops = await createTenant(platform, 'ops', { slug: opsSlug });
    other = await createTenant(platform, 'customer-co');
    base = `${platform.gateway.url}/admin/queues`;
  });

  afterAll(() => platform?.stop());

  const signIn = (email: string, password = PASSWORD) =>
    fetch(`${base}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, password }).toString(),
    });
  const sessionOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0];
  const api = (cookie: string | null) =>
    fetch(`${base}/api/queues`, { headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) }, redirect: 'manual' });

  it('sends a browser without a session to the sign-in form, and refuses the API', async () => {
    const page = await fetch(base, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/queues/sign-in');
    const form = await fetch(`${base}/sign-in`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain(opsSlug);
    expect((await api(null)).status).toBe(401);
  });

  it('lets no one but an admin of the operators’ tenant in, with one answer for every refusal', async () => {
    await ops.tokenFor('sales_rep');
    const refusals = [
      await signIn(`admin@${opsSlug}.test`, 'wrong-password'),
      await signIn(`sales_rep@${opsSlug}.test`),
      await signIn(`nobody@${opsSlug}.test`),
      // Another tenant's admin: the form signs in to the operators' tenant only.
      await signIn(`admin@${other.slug}.test`),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await res.text()).toContain('do not open the queue dashboard');
    }
    // Nor does another tenant's admin token, sent as a cookie of one's own making.
    const otherAdmin = await other.tokenFor('admin');
    expect((await api(`rapport_queues=${otherAdmin}`)).status).toBe(401);
    expect((await api(`rapport_queues=${otherAdmin}~forged`)).status).toBe(401);
  });

  it('shows an operator every service’s queues, read-only', async () => {
    const res = await signIn(`admin@${opsSlug}.test`);
    expect(res.status).toBe(303);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/admin\/queues/);
    const cookie = sessionOf(res);

    // A job in a service's queue: a task due later puts its reminder in sales' reminder queue.
    const admin = await ops.tokenFor('admin');
    const contact = await graphql(
      platform.graphqlUrl,
      `
        mutation ($i: CreateContactInput!) {
          createContact(input: $i) {
            contact {
              id
            }
          }
        }
      `,
      { i: { lastName: 'Queue' } },
      bearer(admin),
    );
    const created = await graphql(
      platform.graphqlUrl,
      `
        mutation ($i: CreateActivityInput!) {
          createActivity(input: $i) {
            activity {
              id
            }
          }
        }
      `,
      {
        i: {
          type: 'TASK',
          subject: 'Call back',
          target: { type: 'CONTACT', id: contact.data!.createContact.contact.id },
          dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        },
      },
      bearer(admin),
    );
    expect(created.errors).toBeUndefined();

    const listed = await api(cookie);
    expect(listed.status).toBe(200);
    const { queues } = (await listed.json()) as { queues: { name: string; readOnlyMode: boolean; counts: Record<string, number> }[] };
    const names = queues.map((q) => q.name);
    expect(names.some((n) => n.endsWith('-activity-reminders'))).toBe(true);
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);

    const reminders = names.find((n) => n.endsWith('-activity-reminders'))!;
    const retry = await fetch(`${base}/api/queues/${encodeURIComponent(reminders)}/retry/failed`, { method: 'PUT', headers: { cookie } });
    expect(retry.status).toBe(405);

    const page = await fetch(base, { headers: { accept: 'text/html', cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Rapport queues');
  });

  it('closes the dashboard to an operator who is deactivated', async () => {
    const operator = await ops.createUser('second-operator', ['admin']);
    const cookie = sessionOf(await signIn(`second-operator@${opsSlug}.test`));
    expect((await api(cookie)).status).toBe(200);
    const admin = await ops.tokenFor('admin');
    const off = await graphql(
      platform.graphqlUrl,
      `
        mutation ($id: ID!) {
          deactivateUser(id: $id) {
            user {
              id
            }
          }
        }
      `,
      { id: operator.id },
      bearer(admin),
    );
    expect(off.errors).toBeUndefined();
    const deadline = Date.now() + 5_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await api(cookie)).status;
    }
    expect(status).toBe(401);
  });
});
