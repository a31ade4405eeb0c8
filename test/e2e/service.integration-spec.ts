import type { EventEnvelope } from '@rapport/contracts';
import { bearer, graphql, StreamProbe } from '@rapport/testing';
import { createTenant, customerToken, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(90_000);

const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`;
const OPEN_CASE = `mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id status category contact { id } } } }`;
const COMMENT = `mutation($input: AddCaseCommentInput!) { addCaseComment(input: $input) { comment { id visibility } } }`;
const CASE = `query($id: ID!) { case(id: $id) { id subject comments { body visibility byCustomer } } }`;
const STAFF_CASE = `query($id: ID!) {
  case(id: $id) {
    priority status owner { id } queue { name }
    assignments { reason queue { name } }
    escalations { kind fromPriority toPriority toQueue { name } }
    sla { firstResponseMinutes firstResponseBreachedAt targets { kind state dueAt businessMinutesLeft } }
  }
}`;
const MY_CASES = `{ cases { totalCount edges { node { id } } } }`;
const CONTACT_CASES = `query($id: ID!) { contact(id: $id) { lastName cases { totalCount edges { node { id comments { body } } } } } }`;

const subOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).sub as string;

/**
 * Self-service through the gateway: a customer opens a complaint, it is
 * routed and assigned, nobody answers, the SLA warns and then breaches, and
 * the case is escalated — while another customer sees none of it.
 */
describe('customer service through the gateway (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let probe: StreamProbe;
  let admin: string;
  let agent: string;
  let agentId: string;
  const contacts: Record<'ada' | 'bob', string> = { ada: '', bob: '' };
  const customers: Record<'ada' | 'bob', string> = { ada: '', bob: '' };
  const prefix = process.env.NATS_SUBJECT_PREFIX;
  const stream = `SERVICE_${process.env.NATS_STREAM_SUFFIX}`;

  const gql = async (token: string, query: string, variables: Record<string, unknown> = {}) =>
    graphql(platform.graphqlUrl, query, variables, bearer(token));
  const ok = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await gql(token, query, variables);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  beforeAll(async () => {
    // SLA timers wait 5 % of real time: the 1-minute first-response target warns after 1.5 s and breaches after 3 s.
    const saved = process.env.SERVICE_SLA_DELAY_PERCENT;
    process.env.SERVICE_SLA_DELAY_PERCENT = '5';
    try {
      platform = await startPlatform();
    } finally {
      if (saved === undefined) delete process.env.SERVICE_SLA_DELAY_PERCENT;
      else process.env.SERVICE_SLA_DELAY_PERCENT = saved;
    }
    tenant = await createTenant(platform, 'helpdesk');
    admin = await tenant.tokenFor('admin');
    agent = await tenant.tokenFor('support_agent');
    agentId = subOf(agent);
    for (const [name, lastName] of [
      ['ada', 'Lovelace'],
      ['bob', 'Babbage'],
    ] as const) {
      const data = await ok(admin, CREATE_CONTACT, { input: { lastName, emails: [`${name}@helpdesk.test`] } });
      contacts[name] = data.createContact.contact.id;
      customers[name] = await customerToken(platform, tenant, contacts[name]);
    }
    probe = await StreamProbe.connect();
  });

  afterAll(async () => {
    await probe?.close();
    await platform?.stop();
  });

  it('routes a self-service complaint, warns, breaches and escalates when nobody answers; other customers see nothing', async () => {
    const escalation = await ok(admin, `mutation { createSupportQueue(input: { name: "Escalations" }) { queue { id } } }`);
    const complaints = await ok(
      admin,
      `mutation($agents: [ID!]) { createSupportQueue(input: { name: "Complaints", strategy: LEAST_OPEN, agentIds: $agents }) { queue { id members { agent { id } available } } } }`,
      { agents: [agentId] },
    );
    const complaintsId = complaints.createSupportQueue.queue.id;
    await ok(admin, `mutation { createSupportQueue(input: { name: "General", isDefault: true }) { queue { id } } }`);
    await ok(admin, `mutation($q: ID!) { createQueueRule(input: { queueId: $q, position: 10, category: COMPLAINT }) { rule { id } } }`, {
      q: complaintsId,
    });
    await ok(
      admin,
      `mutation($q: ID!) { setSlaPolicy(input: { priority: NORMAL, firstResponseMinutes: 1, resolutionMinutes: 600, warningShare: 0.5, escalationQueueId: $q }) { policy { id warningShare escalationQueue { name } } } }`,
      { q: escalation.createSupportQueue.queue.id },
    );

    // The customer opens a complaint through the portal; the case is theirs whatever contact they name.
    const opened = await ok(customers.ada, OPEN_CASE, {
      input: { contactId: contacts.bob, subject: 'Broken on arrival', description: 'The box was crushed.', category: 'COMPLAINT' },
    });
    const caseId = opened.openCase.case.id;
    expect(opened.openCase.case).toMatchObject({ status: 'NEW', category: 'COMPLAINT', contact: { id: contacts.ada } });

    // Routed to Complaints by the rule and assigned to its agent.
    const assigned = await ok(agent, STAFF_CASE, { id: caseId });
    expect(assigned.case).toMatchObject({ owner: { id: agentId }, assignments: [{ reason: 'RULE', queue: { name: 'Complaints' } }] });
    await ok(agent, COMMENT, { input: { caseId, body: 'VIP, handle with care', visibility: 'INTERNAL' } });

    // Nobody answers publicly: warning, then breach, then escalation — in that order on the stream.
    const events = await probe.waitFor(
      stream,
      `${prefix}.service.case.>`,
      (all) => all.some((e) => e.subjectId === caseId && e.type === 'service.case.escalated'),
      20_000,
    );
    const mine = events.filter((e: EventEnvelope) => e.subjectId === caseId).map((e) => e.type);
    expect(mine.filter((t) => t !== 'service.case.assigned')).toEqual([
      'service.case.opened',
      'service.case.sla_warning',
      'service.case.sla_breached',
      'service.case.escalated',
    ]);
    const openedEvent = events.find((e) => e.subjectId === caseId && e.type === 'service.case.opened')!;
    expect((openedEvent.data as { case: { category: string } }).case.category).toBe('COMPLAINT');
    const kinds = events
      .filter((e) => e.subjectId === caseId && e.type.startsWith('service.case.sla_'))
      .map((e) => (e.data as { kind: string }).kind);
    expect(kinds).toEqual(['FIRST_RESPONSE', 'FIRST_RESPONSE']);

    const escalated = await ok(agent, STAFF_CASE, { id: caseId });
    expect(escalated.case).toMatchObject({
      priority: 'HIGH',
      queue: { name: 'Escalations' },
      escalations: [{ kind: 'FIRST_RESPONSE', fromPriority: 'NORMAL', toPriority: 'HIGH', toQueue: { name: 'Escalations' } }],
      sla: { firstResponseMinutes: 1 },
    });
    expect(escalated.case.sla.firstResponseBreachedAt).not.toBeNull();
    // The breach shows on the case itself, not only as an event.
    expect(escalated.case.sla.targets.map((t: { kind: string }) => t.kind)).toEqual(['FIRST_RESPONSE', 'RESOLUTION']);
    expect(escalated.case.sla.targets[0]).toMatchObject({ kind: 'FIRST_RESPONSE', state: 'BREACHED', dueAt: expect.any(String) });
    expect(escalated.case.assignments.map((a: { reason: string }) => a.reason)).toEqual(['RULE', 'ESCALATION']);

    // The agent's public answer reaches the customer; the internal note never does.
    await ok(agent, COMMENT, { input: { caseId, body: 'A replacement is on its way.', visibility: 'PUBLIC' } });
    const answered = await ok(agent, STAFF_CASE, { id: caseId });
    // Answered late: the first-response target stays missed, and its clock has stopped.
    expect(answered.case.sla.targets[0]).toMatchObject({ state: 'BREACHED', businessMinutesLeft: null });
    const adaView = await ok(customers.ada, CASE, { id: caseId });
    expect(adaView.case.comments).toEqual([{ body: 'A replacement is on its way.', visibility: 'PUBLIC', byCustomer: false }]);
    const viaContact = await ok(customers.ada, CONTACT_CASES, { id: contacts.ada });
    expect(viaContact.contact.cases.totalCount).toBe(1);
    expect(viaContact.contact.cases.edges[0].node.comments.map((c: { body: string }) => c.body)).toEqual(['A replacement is on its way.']);
    const adaSla = await ok(customers.ada, `query($id: ID!) { case(id: $id) { sla { firstResponseMinutes } escalations { kind } } }`, {
      id: caseId,
    });
    expect(adaSla.case).toEqual({ sla: null, escalations: [] });

    const adaInternals = await ok(customers.ada, `query($id: ID!) { case(id: $id) { queue { name } tier } }`, { id: caseId });
    expect(adaInternals.case).toEqual({ queue: null, tier: null });

    // Bob: by id, in lists, through Contact.cases, by commenting — nothing of Ada's case exists for him.
    expect((await ok(customers.bob, CASE, { id: caseId })).case).toBeNull();
    expect((await ok(customers.bob, MY_CASES)).cases.totalCount).toBe(0);
    expect(
      (await ok(customers.bob, `query($id: ID!) { cases(filter: { contactId: $id }) { totalCount } }`, { id: contacts.ada })).cases
        .totalCount,
    ).toBe(0);
    const bobOnAda = await gql(customers.bob, CONTACT_CASES, { id: contacts.ada });
    expect(bobOnAda.data?.contact ?? null).toBeNull();
    const bobOwn = await ok(customers.bob, CONTACT_CASES, { id: contacts.bob });
    expect(bobOwn.contact.cases.totalCount).toBe(0);
    const bobComment = await gql(customers.bob, COMMENT, { input: { caseId, body: 'let me in' } });
    expect(bobComment.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('lets a partner open cases with a cases:write key, and not without', async () => {
    const keyFor = async (scopes: string[]) =>
      (
        await ok(admin, `mutation($s: [String!]!) { createApiKey(input: { name: "crm-connector", scopes: $s }) { secret } }`, {
          s: scopes,
        })
      ).createApiKey.secret as string;
    const account = await ok(admin, `mutation { createAccount(input: { name: "Babbage Engines" }) { account { id } } }`);
    const accountId = account.createAccount.account.id as string;
    // Bob joins the account in sales; the case below names it at once (service waits briefly for the update).
    await ok(admin, `mutation($id: ID!, $a: ID!) { updateContact(input: { id: $id, accountId: $a }) { contact { id } } }`, {
      id: contacts.bob,
      a: accountId,
    });
    const open = (key: string) =>
      graphql(
        platform.graphqlUrl,
        OPEN_CASE,
        { input: { contactId: contacts.bob, accountId, subject: 'From the partner', channel: 'EMAIL' } },
        {
          'x-api-key': key,
        },
      );
    const created = await open(await keyFor(['cases:write']));
    expect(created.errors).toBeUndefined();
    expect(created.data!.openCase.case).toMatchObject({ status: 'NEW', contact: { id: contacts.bob } });
    const refused = await open(await keyFor(['leads:write']));
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // Account.cases through the gateway, beside the sales data.
    const byAccount = await ok(agent, `query($id: ID!) { account(id: $id) { name cases { totalCount edges { node { id } } } } }`, {
      id: accountId,
    });
    expect(byAccount.account).toEqual({
      name: 'Babbage Engines',
      cases: { totalCount: 1, edges: [{ node: { id: created.data!.openCase.case.id } }] },
    });
    // Bob now sees the case opened for him.
    expect((await ok(customers.bob, MY_CASES)).cases.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([
      created.data!.openCase.case.id,
    ]);
  });
});
