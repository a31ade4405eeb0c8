import { createRapportClient, MyNotificationListDocument, MyNotificationsDocument, type MyNotificationsSubscription } from '@rapport/sdk';
import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(120_000);

type Notification = MyNotificationsSubscription['myNotifications'];

/**
 * SLA warnings and breaches reach the case's owner as a person would see
 * them: pushed on the myNotifications subscription and listed by the
 * myNotifications query, each exactly once — through the gateway, with the
 * SDK a front end would use.
 */
describe('SLA warning and breach notifications reach the owner (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let admin: string;

  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(admin));
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  beforeAll(async () => {
    // SLA timers wait 5 % of real time: a 1-minute first-response target warns after 1.5 s (half of it) and breaches after 3 s.
    const saved = process.env.SERVICE_SLA_DELAY_PERCENT;
    process.env.SERVICE_SLA_DELAY_PERCENT = '5';
    try {
      platform = await startPlatform();
    } finally {
      if (saved === undefined) delete process.env.SERVICE_SLA_DELAY_PERCENT;
      else process.env.SERVICE_SLA_DELAY_PERCENT = saved;
    }
    tenant = await createTenant(platform, 'slanotes');
    admin = await tenant.tokenFor('admin');
  });

  afterAll(() => platform?.stop());

  it('pushes the assignment, the warning and the breach to the owner’s subscription, and lists each once', async () => {
    const agent = await tenant.createUser('owner', ['support_agent']);
    const agentClient = createRapportClient({ url: platform.graphqlUrl, token: agent.token });
    const received: Notification[] = [];
    const subscription = agentClient.subscribe(MyNotificationsDocument);
    const listening = platform.gateway.subscriptions() + 1;
    // Reading starts the subscription; a subscribe message has no acknowledgement, so wait for the gateway to hold it.
    const reading = (async () => {
      for await (const event of subscription) {
        expect(event.errors).toEqual([]);
        received.push(event.data!.myNotifications);
        if (received.some((n) => n.kind === 'SLA_BREACHED')) return;
      }
    })();
    try {
      while (platform.gateway.subscriptions() < listening) await new Promise((r) => setTimeout(r, 20));

      await ok(
        `mutation { setSlaPolicy(input: { priority: NORMAL, firstResponseMinutes: 1, resolutionMinutes: 600, warningShare: 0.5 }) { policy { id } } }`,
      );
      const contact = await ok(`mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, {
        i: { lastName: 'Waiting', emails: ['waiting@slanotes.test'] },
      });
      const opened = await ok(`mutation($i: OpenCaseInput!) { openCase(input: $i) { case { id } } }`, {
        i: { contactId: contact.createContact.contact.id, subject: 'Nobody answers', channel: 'EMAIL' },
      });
      const caseId: string = opened.openCase.case.id;
      await ok(`mutation($i: AssignCaseInput!) { assignCase(input: $i) { case { id } } }`, { i: { caseId, ownerId: agent.id } });

      // Nobody answers: the timers fire (jest's timeout bounds the wait).
      await reading;
      const forCase = received.filter((n) => n.case?.id === caseId);
      expect(forCase.map((n) => n.kind)).toEqual(['CASE_ASSIGNED', 'SLA_WARNING', 'SLA_BREACHED']);
      for (const n of forCase.slice(1))
        expect(n).toMatchObject({ case: { id: caseId, subject: 'Nobody answers' }, dueAt: expect.any(String) });

      const listed = (await agentClient.request(MyNotificationListDocument, { first: 100 })).myNotifications.filter(
        (n) => n.case?.id === caseId,
      );
      expect(listed.map((n) => n.kind).sort()).toEqual(['CASE_ASSIGNED', 'SLA_BREACHED', 'SLA_WARNING']);
      expect(new Set(listed.map((n) => n.id))).toEqual(new Set(forCase.map((n) => n.id)));
      expect(listed.every((n) => n.readAt === null)).toBe(true);
    } finally {
      await subscription.return?.(undefined);
      await agentClient.close();
    }
  });
});
