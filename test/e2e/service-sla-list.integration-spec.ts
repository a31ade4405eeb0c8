import { bearer, graphql } from '@rapport/testing';
import { createTenant, customerToken, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(120_000);

const OPEN_CASE = `mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id } } }`;
const CASES = `query($first: Int, $after: String, $last: Int, $before: String, $filter: CaseFilter, $orderBy: CaseOrder) {
  cases(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id subject sla { targets { kind state dueAt businessMinutesLeft } } } }
  }
}`;
const NOTIFICATIONS = `{ myNotifications(first: 50) { kind dueAt case { id } } }`;

interface Target {
  kind: string;
  state: string;
  dueAt: string;
  businessMinutesLeft: number | null;
}
interface Node {
  id: string;
  subject: string;
  sla: { targets: Target[] } | null;
}
interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { cursor: string; node: Node }[];
}

const subOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).sub as string;

/**
 * An SLA warning is visible where people work: on the case (per target),
 * in the case list (filtered and sorted by SLA state and due time, paged
 * both ways), and in the in-app notifications of the assignee and of the
 * queue's manager.
 */
describe('SLA states in the case list and notifications (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let admin: string;
  let agent: string;
  let manager: { id: string; token: string };
  const ids: Record<string, string> = {};

  const gql = (token: string, query: string, variables: Record<string, unknown> = {}) =>
    graphql(platform.graphqlUrl, query, variables, bearer(token));
  const ok = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await gql(token, query, variables);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const page = async (variables: Record<string, unknown>): Promise<Page> => (await ok(admin, CASES, variables)).cases as Page;
  /** Every case of the list, paging forward two at a time, then the same backward. */
  const walk = async (variables: Record<string, unknown>) => {
    const forward: string[] = [];
    let after: string | null = null;
    for (let p = await page({ ...variables, first: 2 }); ; p = await page({ ...variables, first: 2, after })) {
      forward.push(...p.edges.map((e) => e.node.subject));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    const backward: string[] = [];
    let before: string | null = null;
    for (let p = await page({ ...variables, last: 2 }); ; p = await page({ ...variables, last: 2, before })) {
      backward.unshift(...p.edges.map((e) => e.node.subject));
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    return { forward, backward };
  };

  beforeAll(async () => {
    // SLA timers wait 5 % of real time: a 1-minute first-response target warns after 1.5 s and breaches after 3 s.
    const saved = process.env.SERVICE_SLA_DELAY_PERCENT;
    process.env.SERVICE_SLA_DELAY_PERCENT = '5';
    try {
      platform = await startPlatform();
    } finally {
      if (saved === undefined) delete process.env.SERVICE_SLA_DELAY_PERCENT;
      else process.env.SERVICE_SLA_DELAY_PERCENT = saved;
    }
    tenant = await createTenant(platform, 'slalist');
    admin = await tenant.tokenFor('admin');
    agent = await tenant.tokenFor('support_agent');
    manager = await tenant.createUser('queue-manager', ['support_manager']);
    const contact = await ok(admin, `mutation { createContact(input: { lastName: "Hopper" }) { contact { id } } }`);
    ids.contact = contact.createContact.contact.id;
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('shows, filters, sorts and pages cases by SLA state and due time; warnings and breaches reach assignee and queue manager', async () => {
    const queue = await ok(
      admin,
      `mutation($agents: [ID!]) { createSupportQueue(input: { name: "Front line", isDefault: true, agentIds: $agents }) { queue { id } } }`,
      { agents: [subOf(agent)] },
    );
    const queueId = queue.createSupportQueue.queue.id as string;
    await ok(admin, `mutation($q: ID!, $m: ID) { setSupportQueueManager(input: { queueId: $q, managerId: $m }) { queue { id } } }`, {
      q: queueId,
      m: manager.id,
    });
    // NORMAL breaches its first response within seconds; LOW and HIGH stay OK for the test's length, LOW due sooner. URGENT has no policy.
    for (const [priority, firstResponseMinutes] of [
      ['NORMAL', 1],
      ['LOW', 300],
      ['HIGH', 600],
    ] as const)
      await ok(
        admin,
        `mutation($p: CasePriority!, $fr: Int!) { setSlaPolicy(input: { priority: $p, firstResponseMinutes: $fr, resolutionMinutes: 6000, warningShare: 0.5 }) { policy { id } } }`,
        { p: priority, fr: firstResponseMinutes },
      );
    const open = async (subject: string, priority: string) => {
      const opened = await ok(admin, OPEN_CASE, { input: { contactId: ids.contact, subject, priority } });
      ids[subject] = opened.openCase.case.id;
    };
    await open('late', 'NORMAL');
    await open('high', 'HIGH');
    await open('low', 'LOW');
    await open('none', 'URGENT');
    await open('done', 'HIGH');
    // Answered and resolved in time: both targets MET.
    await ok(agent, `mutation($c: ID!) { addCaseComment(input: { caseId: $c, body: "Fixed.", visibility: PUBLIC }) { comment { id } } }`, {
      c: ids.done,
    });
    await ok(agent, `mutation($c: ID!) { changeCaseStatus(input: { caseId: $c, status: RESOLVED }) { case { id } } }`, { c: ids.done });

    // The late case warns, then breaches: its assignee and the queue's manager each hear of both, once.
    const slaNotes = async (token: string) =>
      ((await ok(token, NOTIFICATIONS)).myNotifications as { kind: string; case: { id: string } | null }[])
        .filter((n) => n.case?.id === ids.late && n.kind.startsWith('SLA_'))
        .map((n) => n.kind)
        .sort();
    const deadline = Date.now() + 30_000;
    while ((await slaNotes(manager.token)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await slaNotes(manager.token)).toEqual(['SLA_BREACHED', 'SLA_WARNING']);
    expect(await slaNotes(agent)).toEqual(['SLA_BREACHED', 'SLA_WARNING']);
    // Nobody else: the admin neither owns the case nor manages its queue.
    expect(await slaNotes(admin)).toEqual([]);

    // Each case shows its targets; the list agrees with them.
    const all = await page({ first: 10 });
    const bySubject = new Map(all.edges.map((e) => [e.node.subject, e.node]));
    const states = (s: string) => bySubject.get(s)!.sla?.targets.map((t) => `${t.kind}:${t.state}`) ?? [];
    expect(states('late')).toEqual(['FIRST_RESPONSE:BREACHED', 'RESOLUTION:OK']);
    expect(states('high')).toEqual(['FIRST_RESPONSE:OK', 'RESOLUTION:OK']);
    expect(states('low')).toEqual(['FIRST_RESPONSE:OK', 'RESOLUTION:OK']);
    expect(states('done')).toEqual(['FIRST_RESPONSE:MET', 'RESOLUTION:MET']);
    expect(bySubject.get('none')!.sla).toBeNull();
    // The timers run at 5 % of real time: the breach is stamped while the due time is still a real minute away.
    const late = bySubject.get('late')!.sla!.targets[0];
    expect(Date.parse(late.dueAt)).toBeLessThan(Date.now() + 61_000);

    // Filters: by state (any target), and by the next running target's due time.
    const subjects = async (filter: Record<string, unknown>, orderBy = 'SLA_DUE') =>
      (await page({ first: 10, filter, orderBy })).edges.map((e) => e.node.subject);
    expect(await subjects({ slaState: ['BREACHED'] })).toEqual(['late']);
    expect(await subjects({ slaState: ['OK'] })).toEqual(['late', 'low', 'high']);
    expect(await subjects({ slaState: ['MET', 'WARNING'] })).toEqual(['done']);
    expect(await subjects({ slaState: ['PAUSED'] })).toEqual([]);
    expect(await subjects({ slaDueBefore: new Date(Date.now() + 400 * 60_000).toISOString() })).toEqual(['late', 'low']);
    const soon = new Date(Date.now() + 5 * 60_000).toISOString();
    expect((await page({ first: 10, filter: { slaState: ['OK'], slaDueBefore: soon } })).totalCount).toBe(1);

    // Orders, paged two at a time forward and backward: the same sequence both ways.
    const byDue = await walk({ orderBy: 'SLA_DUE' });
    expect(byDue.forward.slice(0, 3)).toEqual(['late', 'low', 'high']);
    // No running clock: MET and no-SLA cases come last (between them by id).
    expect(byDue.forward.slice(3).sort()).toEqual(['done', 'none']);
    expect(byDue.backward).toEqual(byDue.forward);
    const byState = await walk({ orderBy: 'SLA_STATE' });
    expect(byState.forward).toEqual(['late', 'low', 'high', 'done', 'none']);
    expect(byState.backward).toEqual(byState.forward);
    const newest = await walk({});
    expect(newest.forward).toEqual(['done', 'none', 'low', 'high', 'late']);

    // A paused case keeps its due time in the list and shows PAUSED.
    await ok(agent, `mutation($c: ID!) { changeCaseStatus(input: { caseId: $c, status: PENDING_CUSTOMER }) { case { id } } }`, {
      c: ids.low,
    });
    expect(await subjects({ slaState: ['PAUSED'] }, 'SLA_STATE')).toEqual(['low']);
    expect((await walk({ orderBy: 'SLA_STATE' })).forward).toEqual(['late', 'high', 'low', 'done', 'none']);

    // A cursor of one order is refused by another, naming the argument.
    const newestCursor = (await page({ first: 1 })).pageInfo.endCursor;
    const mixed = await gql(admin, CASES, { first: 2, after: newestCursor, orderBy: 'SLA_DUE' });
    expect(mixed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const dueCursor = (await page({ first: 1, orderBy: 'SLA_DUE' })).pageInfo.endCursor;
    const mixedBack = await gql(admin, CASES, { first: 2, after: dueCursor });
    expect(mixedBack.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    // SLA stays internal: a customer may neither sort nor filter by it.
    const customer = await customerToken(platform, tenant, ids.contact);
    const asCustomer = await gql(customer, CASES, { first: 5, orderBy: 'SLA_DUE' });
    expect(asCustomer.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const filtered = await gql(customer, CASES, { first: 5, filter: { slaState: ['BREACHED'] } });
    expect(filtered.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await ok(customer, CASES, { first: 5 })).cases.totalCount).toBe(5);
  });

  it("a queue's manager must be an active staff user identity knows, as case owners and queue members must", async () => {
    const queue = await ok(admin, `mutation { createSupportQueue(input: { name: "Managed" }) { queue { id } } }`);
    const SET = `mutation($q: ID!, $m: ID) { setSupportQueueManager(input: { queueId: $q, managerId: $m }) { queue { id } } }`;
    const q = queue.createSupportQueue.queue.id as string;
    const refused = async (managerId: string) => (await gql(admin, SET, { q, m: managerId })).errors?.[0].extensions;
    // Nobody: a made-up id.
    expect(await refused('00000000-0000-4000-8000-000000000001')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'managerId' });
    // A customer login is not staff.
    const customerLogin = subOf(await customerToken(platform, tenant, ids.contact));
    expect(await refused(customerLogin)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'managerId' });
    // A deactivated manager is refused too.
    const leaver = await tenant.createUser('leaver', ['support_manager']);
    await ok(admin, `mutation($id: ID!) { deactivateUser(id: $id) { user { id } } }`, { id: leaver.id });
    const deadline = Date.now() + 20_000;
    while (!(await refused(leaver.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await refused(leaver.id)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'managerId' });
    // The real manager is accepted, and removing the manager needs no check.
    await ok(admin, SET, { q, m: manager.id });
    await ok(admin, SET, { q, m: null });
  });
});
