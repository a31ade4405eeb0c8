import { bearer, graphql } from '@rapport/testing';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway.env';
import { startGateway, type RunningGateway } from '../../apps/gateway/src/gateway-server';
import { subgraphUrlVariable } from '../../apps/gateway/src/subgraphs';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(60_000);

type Result = ExecutionResult<Record<string, any>, Record<string, unknown>>;

/** A graphql-ws client on one gateway, one subscription, everything it receives kept in order. */
class Subscribed {
  readonly results: Result[] = [];
  readonly errors: unknown[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly client: Client;
  private changed: () => void = () => undefined;

  constructor(gatewayUrl: string, connectionParams: Record<string, string>, query: string, variables: Record<string, unknown> = {}) {
    let closed!: (e: { code: number; reason: string }) => void;
    this.closed = new Promise((resolve) => (closed = resolve));
    this.client = createClient({
      url: `${gatewayUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams,
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => undefined,
      on: { closed: (event) => closed(event as { code: number; reason: string }) },
    });
    this.client.subscribe<Record<string, any>>(
      { query, variables },
      {
        next: (result) => {
          this.results.push(result as Result);
          this.changed();
        },
        error: (error) => {
          this.errors.push(error);
          this.changed();
        },
        complete: () => undefined,
      },
    );
  }

  /** Waits for the first result that `match` accepts (no deadline: jest's timeout is the bound). */
  async next(match: (r: Result) => boolean): Promise<Result> {
    for (;;) {
      const found = this.results.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => (this.changed = resolve));
    }
  }

  /** Waits for the subscription's error message (e.g. a refused subscribe). */
  async error(): Promise<unknown> {
    while (this.errors.length === 0) await new Promise<void>((resolve) => (this.changed = resolve));
    return this.errors[0];
  }

  async dispose(): Promise<void> {
    await this.client.dispose();
  }
}

/** Until the gateway holds `count` subscriptions: a subscribe message has no acknowledgement in graphql-ws. */
async function listening(gateway: RunningGateway, count: number): Promise<void> {
  while (gateway.subscriptions() < count) await new Promise((r) => setTimeout(r, 20));
}

/**
 * GraphQL subscriptions through two gateway replicas over one platform: a
 * change made through either reaches subscribers of both, answered as the
 * subscriber's own query (field access, several subgraphs); revoked access
 * closes the socket; another tenant's changes never arrive.
 */
describe('GraphQL subscriptions through the gateway (end to end)', () => {
  let platform: Platform;
  let second: RunningGateway;
  let acme: TestTenant;
  let admin: string;

  beforeAll(async () => {
    // Reminders wait 10 % of real time: a task due in 20 s is reminded after about 2 s.
    const saved = process.env.SALES_REMINDER_DELAY_PERCENT;
    process.env.SALES_REMINDER_DELAY_PERCENT = '10';
    try {
      platform = await startPlatform();
    } finally {
      if (saved === undefined) delete process.env.SALES_REMINDER_DELAY_PERCENT;
      else process.env.SALES_REMINDER_DELAY_PERCENT = saved;
    }
    second = await anotherGateway();
    acme = await createTenant(platform, 'subs');
    admin = await acme.tokenFor('admin');
  });

  afterAll(async () => {
    await second?.close();
    await platform?.stop();
  });

  /** One more gateway replica over the platform's subgraphs, as a second pod would be. */
  const anotherGateway = (env: Record<string, string> = {}) =>
    startGateway(
      loadGatewayConfig({
        ...process.env,
        PORT: '0',
        IDENTITY_URL: platform.identity.url,
        IDENTITY_JWKS_URL: `${platform.identity.url}/.well-known/jwks.json`,
        SUBGRAPH_TIMEOUT_MS: '20000',
        ...Object.fromEntries(Object.entries(platform.services).map(([name, s]) => [subgraphUrlVariable(name), `${s.url}/graphql`])),
        ...env,
      }),
    );

  async function ok(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const res = await graphql(url, query, variables, bearer(token));
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data!;
  }

  async function newContact(token: string, lastName: string): Promise<string> {
    const data = await ok(
      platform.graphqlUrl,
      token,
      `mutation ($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`,
      {
        i: { firstName: 'Sub', lastName, emails: [`${lastName.toLowerCase()}@subs.test`] },
      },
    );
    return data.createContact.contact.id;
  }

  const renameContact = (gatewayUrl: string, id: string, firstName: string) =>
    ok(`${gatewayUrl}/graphql`, admin, `mutation ($i: UpdateContactInput!) { updateContact(input: $i) { contact { id } } }`, {
      i: { id, firstName },
    });

  it('shows the Subscription type in introspection, and refuses a subscription over HTTP as the caller’s error', async () => {
    const data = await ok(platform.graphqlUrl, admin, `{ __schema { subscriptionType { name fields { name } } } }`);
    expect(data.__schema.subscriptionType.name).toBe('Subscription');
    expect(data.__schema.subscriptionType.fields.map((f: { name: string }) => f.name).sort()).toEqual([
      'caseUpdated',
      'contactChanged',
      'customerValueChanged',
      'myNotifications',
    ]);
    const http = await graphql(
      platform.graphqlUrl,
      `
        subscription {
          myNotifications {
            id
          }
        }
      `,
      {},
      bearer(admin),
    );
    expect(http.status).toBe(400);
    expect(http.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'query' });
  });

  it('delivers a change made through either gateway to subscribers of both, with fields of several subgraphs and each one’s field access', async () => {
    const contactId = await newContact(admin, 'Replicas');
    const analyst = await acme.tokenFor('analyst');
    // emails (CONTACT_DETAILS) is denied to analysts; cases come from the service subgraph.
    const query = `subscription ($id: ID!) { contactChanged(id: $id) { id firstName emails cases { totalCount } } }`;
    const before = [platform.gateway.subscriptions(), second.subscriptions()];
    const onFirst = new Subscribed(platform.gateway.url, { authorization: `Bearer ${admin}` }, query, { id: contactId });
    const onSecond = new Subscribed(second.url, { authorization: `Bearer ${admin}` }, query, { id: contactId });
    const analystOnSecond = new Subscribed(second.url, { authorization: `Bearer ${analyst}` }, query, { id: contactId });
    try {
      await listening(platform.gateway, before[0] + 1);
      await listening(second, before[1] + 2);

      for (const [through, name] of [
        [second.url, 'Through-second'],
        [platform.gateway.url, 'Through-first'],
      ] as const) {
        await renameContact(through, contactId, name);
        const named = (r: Result) => r.data?.contactChanged?.firstName === name;
        for (const admins of [onFirst, onSecond])
          expect(await admins.next(named)).toEqual({
            data: { contactChanged: { id: contactId, firstName: name, emails: ['replicas@subs.test'], cases: { totalCount: 0 } } },
          });
        const seenByAnalyst = await analystOnSecond.next(named);
        expect(seenByAnalyst.data).toEqual({ contactChanged: { id: contactId, firstName: name, emails: null, cases: { totalCount: 0 } } });
        expect(seenByAnalyst.errors).toEqual([
          expect.objectContaining({ path: ['contactChanged', 'emails'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
        ]);
      }
    } finally {
      await Promise.all([onFirst.dispose(), onSecond.dispose(), analystOnSecond.dispose()]);
    }
  });

  it('refuses a connection without credentials and a subscription to a contact the caller may not read', async () => {
    const anonymous = new Subscribed(platform.gateway.url, {}, `subscription { myNotifications { id } }`);
    expect((await anonymous.closed).code).toBe(4401);

    const contactId = await newContact(admin, 'Hidden');
    const auditor = await acme.tokenFor('auditor');
    const refused = new Subscribed(
      second.url,
      { authorization: `Bearer ${auditor}` },
      `subscription ($id: ID!) { contactChanged(id: $id) { id } }`,
      {
        id: contactId,
      },
    );
    try {
      expect(await refused.error()).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    } finally {
      await refused.dispose();
    }
  });

  it('closes the connection of a deactivated user and of a revoked API key', async () => {
    const user = await acme.createUser('leaving', ['support_agent']);
    const key = await ok(
      platform.graphqlUrl,
      admin,
      `mutation { createApiKey(input: { name: "subs", scopes: ["cases:read"] }) { apiKey { id } secret } }`,
    );
    const before = second.subscriptions();
    const byUser = new Subscribed(second.url, { authorization: `Bearer ${user.token}` }, `subscription { caseUpdated { id } }`);
    const byKey = new Subscribed(second.url, { 'x-api-key': key.createApiKey.secret }, `subscription { caseUpdated { id } }`);
    await listening(second, before + 2);

    await ok(platform.graphqlUrl, admin, `mutation ($id: ID!) { deactivateUser(id: $id) { user { id } } }`, { id: user.id });
    expect(await byUser.closed).toMatchObject({ code: 4403 });
    await ok(platform.graphqlUrl, admin, `mutation ($id: ID!) { revokeApiKey(id: $id) { apiKey { id } } }`, {
      id: key.createApiKey.apiKey.id,
    });
    expect(await byKey.closed).toMatchObject({ code: 4403 });
    await Promise.all([byUser.dispose(), byKey.dispose()]);
  });

  it('never delivers another tenant’s change: a case opened in one tenant reaches only that tenant’s subscribers', async () => {
    const other = await createTenant(platform, 'subs-other');
    const otherAdmin = await other.tokenFor('admin');
    const before = platform.gateway.subscriptions();
    const mine = new Subscribed(platform.gateway.url, { authorization: `Bearer ${admin}` }, `subscription { caseUpdated { id subject } }`);
    const theirs = new Subscribed(
      platform.gateway.url,
      { authorization: `Bearer ${otherAdmin}` },
      `subscription { caseUpdated { id subject } }`,
    );
    try {
      await listening(platform.gateway, before + 2);
      const open = (token: string, contactId: string, subject: string) =>
        ok(platform.graphqlUrl, token, `mutation ($i: OpenCaseInput!) { openCase(input: $i) { case { id } } }`, {
          i: { contactId, subject, channel: 'EMAIL' },
        }).then((d) => d.openCase.case.id as string);
      const acmeCase = await open(admin, await newContact(admin, 'Tenant'), 'Acme only');
      // Opened after acme's: once the other tenant hears of its own case, acme's event has been through the same ordered stream.
      const otherCase = await open(otherAdmin, await newContact(otherAdmin, 'Other'), 'Other only');
      const theirFirst = await theirs.next((r) => r.data?.caseUpdated?.id === otherCase);
      expect(theirs.results.indexOf(theirFirst)).toBe(0);
      expect(theirs.results.every((r) => r.data?.caseUpdated?.id !== acmeCase)).toBe(true);
      expect(await mine.next((r) => r.data?.caseUpdated?.id === acmeCase)).toEqual({
        data: { caseUpdated: { id: acmeCase, subject: 'Acme only' } },
      });
    } finally {
      await Promise.all([mine.dispose(), theirs.dispose()]);
    }
  });

  it('pushes a case assignment to the new owner’s myNotifications, with the case', async () => {
    const agent = await acme.createUser('assigned', ['support_agent']);
    const before = second.subscriptions();
    const agentHears = new Subscribed(
      second.url,
      { authorization: `Bearer ${agent.token}` },
      `subscription { myNotifications { kind case { id subject } } }`,
    );
    try {
      await listening(second, before + 1);
      const contactId = await newContact(admin, 'Assigned');
      const opened = await ok(platform.graphqlUrl, admin, `mutation ($i: OpenCaseInput!) { openCase(input: $i) { case { id } } }`, {
        i: { contactId, subject: 'Yours now', channel: 'EMAIL' },
      });
      const caseId = opened.openCase.case.id;
      await ok(platform.graphqlUrl, admin, `mutation ($i: AssignCaseInput!) { assignCase(input: $i) { case { id } } }`, {
        i: { caseId, ownerId: agent.id },
      });
      expect(await agentHears.next((r) => r.data?.myNotifications?.case?.id === caseId)).toEqual({
        data: { myNotifications: { kind: 'CASE_ASSIGNED', case: { id: caseId, subject: 'Yours now' } } },
      });
    } finally {
      await agentHears.dispose();
    }
  });

  it('limits subscriptions per caller, and closes a connection whose results pile up with 4413', async () => {
    const limited = await anotherGateway({ SUBSCRIPTIONS_PER_CALLER: '1', SUBSCRIPTION_BUFFER: '1' });
    const contactId = await newContact(admin, 'Burst');
    const query = `subscription ($id: ID!) { contactChanged(id: $id) { id firstName } }`;
    const first = new Subscribed(limited.url, { authorization: `Bearer ${admin}` }, query, { id: contactId });
    let second: Subscribed | undefined;
    try {
      await listening(limited, 1);
      second = new Subscribed(limited.url, { authorization: `Bearer ${admin}` }, query, { id: contactId });
      expect(await second.error()).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED', limit: 1 }) }),
      ]);
      // With room for one result, a second change arriving while the first is still being answered overflows it.
      let closed: { code: number; reason: string } | null = null;
      void first.closed.then((c) => (closed = c));
      for (let burst = 0; !closed; burst++)
        await Promise.all([1, 2, 3, 4].map((n) => renameContact(platform.gateway.url, contactId, `Burst ${burst}-${n}`)));
      expect(closed).toMatchObject({ code: 4413, reason: expect.stringMatching(/slow consumer/) });
    } finally {
      await Promise.all([first.dispose(), second?.dispose()]);
      await limited.close();
    }
  });

  it('counts the per-caller limit across replicas: a caller at the limit on one gateway is refused on another', async () => {
    const [one, two] = await Promise.all([1, 2].map(() => anotherGateway({ SUBSCRIPTIONS_PER_CALLER: '1' })));
    const caller = await acme.createUser('everywhere', ['sales_rep']);
    const query = `subscription { myNotifications { kind } }`;
    const onOne = new Subscribed(one.url, { authorization: `Bearer ${caller.token}` }, query);
    let onTwo: Subscribed | undefined;
    try {
      await listening(one, 1);
      onTwo = new Subscribed(two.url, { authorization: `Bearer ${caller.token}` }, query);
      expect(await onTwo.error()).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED', limit: 1 }) }),
      ]);
      // Completing the first gives the place back, for any replica.
      await onOne.dispose();
      while (one.subscriptions() > 0) await new Promise((r) => setTimeout(r, 20));
      let again: Subscribed | undefined;
      for (let tries = 0; two.subscriptions() === 0 && tries < 100; tries++) {
        await again?.dispose();
        again = new Subscribed(two.url, { authorization: `Bearer ${caller.token}` }, query);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(two.subscriptions()).toBe(1);
      await again?.dispose();
    } finally {
      await Promise.all([onOne.dispose(), onTwo?.dispose()]);
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('pushes an activity reminder to its owner’s myNotifications, with the activity from sales', async () => {
    const rep = await acme.createUser('notified', ['sales_rep']);
    const before = second.subscriptions();
    const notifications = new Subscribed(
      second.url,
      { authorization: `Bearer ${rep.token}` },
      `subscription { myNotifications { kind dueAt activity { id subject } } }`,
    );
    try {
      await listening(second, before + 1);
      const contactId = await newContact(rep.token, 'Reminded');
      const dueAt = new Date(Date.now() + 20_000).toISOString();
      const created = await ok(
        platform.graphqlUrl,
        rep.token,
        `mutation ($i: CreateActivityInput!) { createActivity(input: $i) { activity { id } } }`,
        { i: { type: 'CALL', target: { type: 'CONTACT', id: contactId }, subject: 'Call back', dueAt } },
      );
      const activityId = created.createActivity.activity.id;
      expect(await notifications.next((r) => r.data?.myNotifications?.activity?.id === activityId)).toEqual({
        data: { myNotifications: { kind: 'ACTIVITY_DUE', dueAt, activity: { id: activityId, subject: 'Call back' } } },
      });
    } finally {
      await notifications.dispose();
    }
  });
});
