import { SmtpSink } from '@rapport/channels/testing';
import { bearer, graphql } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(180_000);

const RULES = `{ revision rules { key name conditions { sla { kind states } categories } levels { afterMinutes actions { type queueId toEscalationQueue priority recipients userIds email body userId } } } }`;
const CASE = `query($id: ID!) { case(id: $id) {
  priority queue { name } owner { id }
  comments { body visibility author { id } }
  escalations { kind clock ruleKey ruleName level fromPriority toPriority toQueue { name } actions { type outcome detail } }
} }`;

/**
 * Escalation rules per tenant (ADR 051), through the gateway against the real
 * servers: a new tenant runs the default rules, which escalate a breach as
 * the fixed escalation did; an invalid rule set is refused with every problem
 * named and the rules in force stay; a two-level rule moves, raises and notes
 * at the breach, then reassigns, notes and emails the queue manager a minute
 * later (SLA timers and escalation checks run at 5 % of real time).
 */
describe('escalation rules per tenant (end to end)', () => {
  let platform: Platform;
  let sink: SmtpSink;
  let tenant: TestTenant;
  let admin: string;
  let contactId: string;

  const call = (query: string, variables: Record<string, unknown> = {}, token = admin) =>
    graphql(platform.graphqlUrl, query, variables, bearer(token));
  const ok = async (query: string, variables: Record<string, unknown> = {}, token = admin) => {
    const res = await call(query, variables, token);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const openCase = async (subject: string, category = 'PROBLEM'): Promise<string> => {
    const opened = await ok(`mutation($i: OpenCaseInput!) { openCase(input: $i) { case { id } } }`, {
      i: { contactId, subject, channel: 'EMAIL', category },
    });
    return opened.openCase.case.id;
  };
  /** Polls the case through the gateway until `done` holds (jest's timeout bounds the wait). */
  const caseWhen = async (id: string, done: (c: any) => boolean): Promise<any> => {
    for (;;) {
      const c = (await ok(CASE, { id })).case;
      if (done(c)) return c;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    sink = await SmtpSink.start();
    platform = await startPlatform(
      {},
      {
        service: {
          SERVICE_SLA_DELAY_PERCENT: '5',
          SERVICE_SMTP_URL: sink.url,
          SERVICE_EMAIL_FROM: 'Rapport <notify@rapport.test>',
          SERVICE_PUBLIC_URL: 'https://crm.example.test',
        },
      },
    );
    tenant = await createTenant(platform, 'escrules');
    admin = await tenant.tokenFor('admin');
    const contact = await ok(`mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, {
      i: { lastName: 'Waiting', emails: ['waiting@escrules.test'] },
    });
    contactId = contact.createContact.contact.id;
  });

  afterAll(async () => {
    await platform?.stop();
    await sink?.close();
  });

  let escalationsQueue: string;
  let tier2: string;
  let manager: { id: string; token: string };
  let senior: { id: string; token: string };

  it('gives a new tenant the default rules, which escalate a breach exactly as the fixed escalation did', async () => {
    // Tenant preparation (identity.tenant.created) stored the default set: revision 1.
    let stored: any;
    for (;;) {
      stored = (await ok(`{ escalationRules ${RULES} }`)).escalationRules;
      if (stored.revision === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stored.rules.map((r: { key: string }) => r.key)).toEqual(['sla-first-response-breach', 'sla-resolution-breach']);
    expect(stored.rules[0]).toMatchObject({
      conditions: { sla: [{ kind: 'FIRST_RESPONSE', states: ['BREACHED'] }], categories: null },
      levels: [
        {
          afterMinutes: 0,
          actions: [
            { type: 'RAISE_PRIORITY', priority: null },
            { type: 'CHANGE_QUEUE', toEscalationQueue: true, queueId: null },
            { type: 'NOTIFY', recipients: ['QUEUE_MANAGER'], email: null },
          ],
        },
      ],
    });

    manager = await tenant.createUser('manager', ['support_manager']);
    senior = await tenant.createUser('senior', ['support_agent']);
    escalationsQueue = (await ok(`mutation { createSupportQueue(input: { name: "Escalations" }) { queue { id } } }`)).createSupportQueue
      .queue.id;
    tier2 = (await ok(`mutation { createSupportQueue(input: { name: "Tier 2" }) { queue { id } } }`)).createSupportQueue.queue.id;
    await ok(`mutation($i: SetSupportQueueManagerInput!) { setSupportQueueManager(input: $i) { queue { id } } }`, {
      i: { queueId: tier2, managerId: manager.id },
    });
    await ok(
      `mutation($q: ID!) { setSlaPolicy(input: { priority: NORMAL, firstResponseMinutes: 1, resolutionMinutes: 600, warningShare: 0.5, escalationQueueId: $q }) { policy { id } } }`,
      { q: escalationsQueue },
    );

    const caseId = await openCase('Default escalation');
    const escalated = await caseWhen(caseId, (c) => c.escalations.length > 0);
    expect(escalated).toMatchObject({
      priority: 'HIGH',
      queue: { name: 'Escalations' },
      escalations: [
        {
          kind: 'FIRST_RESPONSE',
          clock: 'FIRST_RESPONSE',
          ruleKey: 'sla-first-response-breach',
          ruleName: 'First response breached',
          level: 1,
          fromPriority: 'NORMAL',
          toPriority: 'HIGH',
          toQueue: { name: 'Escalations' },
        },
      ],
    });
    expect(escalated.escalations[0].actions.map((a: { type: string; outcome: string }) => [a.type, a.outcome])).toEqual([
      ['RAISE_PRIORITY', 'DONE'],
      ['CHANGE_QUEUE', 'DONE'],
      // The Escalations queue has no manager: nobody to tell, as before.
      ['NOTIFY', 'SKIPPED'],
    ]);
  });

  it('refuses an invalid rule set naming every problem, and keeps the rules in force', async () => {
    const res = await call(`mutation($i: SetEscalationRulesInput!) { setEscalationRules(input: $i) { ruleSet { revision } } }`, {
      i: {
        rules: [
          { key: 'empty', name: 'No levels', levels: [] },
          {
            key: 'ghost',
            name: 'Unknown queue and user',
            conditions: { priorities: [] },
            levels: [
              {
                afterMinutes: 0,
                actions: [
                  { type: 'CHANGE_QUEUE', queueId: '0190a0a0-0000-7000-8000-00000000dead' },
                  { type: 'ADD_INTERNAL_COMMENT', body: 'x', priority: 'HIGH' },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((res.errors?.[0].extensions?.problems as { field: string }[]).map((p) => p.field)).toEqual([
      'rules[0].levels',
      'rules[1].conditions.priorities',
      'rules[1].levels[0].actions[1].priority',
    ]);
    // The shape was fine but the queue does not exist: refused as well, by name.
    const unknown = await call(`mutation($i: SetEscalationRulesInput!) { setEscalationRules(input: $i) { ruleSet { revision } } }`, {
      i: {
        rules: [
          {
            key: 'ghost',
            name: 'Unknown queue and user',
            levels: [
              {
                afterMinutes: 0,
                actions: [
                  { type: 'CHANGE_QUEUE', queueId: '0190a0a0-0000-7000-8000-00000000dead' },
                  { type: 'REASSIGN', userId: '0190a0a0-0000-7000-8000-00000000beef' },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(unknown.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((unknown.errors?.[0].extensions?.problems as { field: string }[]).map((p) => p.field)).toEqual([
      'rules[0].levels[0].actions[0].queueId',
      'rules[0].levels[0].actions[1].userId',
    ]);
    const kept = (await ok(`{ escalationRules ${RULES} }`)).escalationRules;
    expect(kept.revision).toBe(1);
    expect(kept.rules.map((r: { key: string }) => r.key)).toEqual(['sla-first-response-breach', 'sla-resolution-breach']);
    // Agents read the rules but may not change them.
    const agent = await tenant.tokenFor('support_agent');
    expect((await call(`mutation { resetEscalationRules { ruleSet { revision } } }`, {}, agent)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
  });

  it('fires each level of a two-level rule once: queue, priority and note at the breach, then owner, note and email', async () => {
    const set = await ok(`mutation($i: SetEscalationRulesInput!) { setEscalationRules(input: $i) { ruleSet ${RULES} } }`, {
      i: {
        rules: [
          {
            key: 'problem-unanswered',
            name: 'Unanswered problem',
            conditions: { categories: ['PROBLEM'], sla: [{ kind: 'FIRST_RESPONSE', states: ['BREACHED'] }] },
            levels: [
              {
                afterMinutes: 0,
                actions: [
                  { type: 'CHANGE_QUEUE', queueId: tier2 },
                  { type: 'RAISE_PRIORITY', priority: 'URGENT' },
                  { type: 'ADD_INTERNAL_COMMENT', body: 'Level 1: moved to Tier 2' },
                ],
              },
              {
                afterMinutes: 1,
                actions: [
                  { type: 'REASSIGN', userId: senior.id },
                  { type: 'ADD_INTERNAL_COMMENT', body: 'Level 2: handed to a senior agent' },
                  { type: 'NOTIFY', recipients: ['QUEUE_MANAGER'], email: true },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(set.setEscalationRules.ruleSet).toMatchObject({ revision: 2, rules: [{ key: 'problem-unanswered' }] });
    const service = platform.services.service.app.get(DataSource);
    const [changed] = await service.query(
      `SELECT envelope->'data'->>'revision' AS revision FROM outbox WHERE tenant_id = $1 AND type = 'service.escalation_rules.changed' ORDER BY created_at DESC LIMIT 1`,
      [tenant.id],
    );
    expect(changed.revision).toBe('2');

    const caseId = await openCase('Printer on fire');
    // A question matches no rule any more (the default rules were replaced): it breaches without escalating.
    const question = await openCase('Just asking', 'QUESTION');

    const afterLevel2 = await caseWhen(caseId, (c) => c.escalations.length === 2);
    expect(afterLevel2).toMatchObject({
      priority: 'URGENT',
      queue: { name: 'Tier 2' },
      owner: { id: senior.id },
      escalations: [
        {
          ruleKey: 'problem-unanswered',
          level: 1,
          clock: 'FIRST_RESPONSE',
          fromPriority: 'NORMAL',
          toPriority: 'URGENT',
          toQueue: { name: 'Tier 2' },
        },
        { ruleKey: 'problem-unanswered', level: 2, fromPriority: 'URGENT', toPriority: 'URGENT', toQueue: { name: 'Tier 2' } },
      ],
    });
    expect(afterLevel2.escalations[1].actions).toEqual([
      { type: 'REASSIGN', outcome: 'DONE', detail: senior.id },
      { type: 'ADD_INTERNAL_COMMENT', outcome: 'DONE', detail: null },
      { type: 'NOTIFY', outcome: 'DONE', detail: manager.id },
    ]);
    expect(afterLevel2.comments).toEqual([
      { body: 'Level 1: moved to Tier 2', visibility: 'INTERNAL', author: null },
      { body: 'Level 2: handed to a senior agent', visibility: 'INTERNAL', author: null },
    ]);

    // The queue manager never asked for email; the rule did: one email, to the manager's address.
    const mail = await sink.waitForMessageTo(`manager@${tenant.slug}.test`, 30_000);
    expect(mail.parsed.text).toContain('Printer on fire');
    const managerNotes = (await ok(`{ myNotifications(first: 50) { kind case { id } } }`, {}, manager.token)).myNotifications;
    expect(managerNotes.filter((n: { case: { id: string } | null }) => n.case?.id === caseId)).toEqual([
      { kind: 'CASE_ESCALATED', case: { id: caseId } },
    ]);

    // Each level once: later checks, a restart sweep or a redelivery find the levels recorded and fire nothing.
    await new Promise((r) => setTimeout(r, 4000));
    const later = (await ok(CASE, { id: caseId })).case;
    expect(later.escalations).toHaveLength(2);
    expect(later.comments).toHaveLength(2);
    const q = await caseWhen(question, (c) => c.priority !== undefined);
    const [breach] = await service.query(`SELECT first_response_breached_at AS at FROM cases WHERE id = $1`, [question]);
    expect(breach.at).not.toBeNull();
    expect(q.escalations).toEqual([]);
    expect(sink.messages.filter((m) => m.envelope.to.includes(`manager@${tenant.slug}.test`))).toHaveLength(1);
  });
});
