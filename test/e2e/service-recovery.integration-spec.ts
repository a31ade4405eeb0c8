import { CUSTOMER_CHURN_RISK_CHANGED, CUSTOMER_TIER_CHANGED } from '@rapport/contracts';
import { bearer, graphql } from '@rapport/testing';
import type { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import type { Platform, TestTenant } from '../harness/platform';
import {
  event,
  eventually,
  gatewayClient,
  marketingDb,
  publish,
  SET_CONSENT,
  startMarketingRig,
  type MarketingRig,
} from '../harness/marketing-fixtures';
import type { SmtpSink } from '@rapport/channels/testing';

const CREATE_JOURNEY = `mutation($input: CreateJourneyInput!) { createJourney(input: $input) { journey { id purpose } } }`;
const ENROLLMENTS = `query($id: ID!) {
  journeyEnrollments(journeyId: $id) { edges { node { status currentStep pauseReason exitReason history { stepKey outcome } } } }
}`;

// Platform start-up and waits for background work across four services on a loaded 2-core machine.
jest.setTimeout(240_000);

/**
 * The seed's story: a customer has just lodged a complaint, so marketing
 * must not approach them — but a valuable customer whose churn risk jumps
 * because of it is exactly whom service recovery is for. A MARKETING journey
 * and a SERVICE_RECOVERY journey start on the same churn-risk event: the
 * first holds until the complaint is resolved; the second runs at once and,
 * through events, gets the account owner a task in sales, raises the open
 * case's priority in service and sends a personal message, and ends when the
 * complaint is resolved.
 */
describe('service recovery journeys (integration)', () => {
  let rig: MarketingRig;
  let platform: Platform;
  let tenant: TestTenant;
  let sink: SmtpSink;
  let nc: NatsConnection;
  let call: ReturnType<typeof gatewayClient>;

  beforeAll(async () => {
    rig = await startMarketingRig('recovery');
    ({ platform, tenant, sink, nc, call } = rig);
  });

  afterAll(() => rig?.stop());

  /** A contact with an email, consent and the gold tier, known to marketing; returns its id and the account's owner. */
  async function valuableCustomer(
    admin: ReturnType<typeof gatewayClient>,
    name: { firstName: string; lastName: string; email: string; account: string },
  ): Promise<{ contactId: string; account: { id: string; owner: { id: string } } }> {
    const account = (
      await admin(`mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id owner { id } } } }`, {
        input: { name: name.account },
      })
    ).createAccount.account;
    const contactId = (
      await admin(`mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`, {
        input: { firstName: name.firstName, lastName: name.lastName, emails: [name.email], accountId: account.id },
      })
    ).createContact.contact.id;
    await eventually(
      async () =>
        (
          await marketingDb(platform).query(`SELECT count(*)::int AS n FROM contacts WHERE id = $1 AND sales_updated_at IS NOT NULL`, [
            contactId,
          ])
        )[0].n,
      (n) => n === 1,
    );
    await call(SET_CONSENT, { input: { contactId, channel: 'EMAIL', status: 'OPTED_IN', source: 'web-form' } });
    // A high-value customer, as analytics would say it.
    await publish(
      nc,
      event(tenant.id, CUSTOMER_TIER_CHANGED, contactId, {
        contactId,
        previousTier: null,
        tier: 'gold',
        clv: { amount: '4200.00', currency: 'EUR' },
      }),
    );
    await eventually(
      async () => (await marketingDb(platform).query(`SELECT tier FROM contacts WHERE id = $1`, [contactId]))[0]?.tier,
      (tier) => tier === 'gold',
    );
    return { contactId, account };
  }

  /** Analytics raises the churn risk to HIGH. */
  const riskRises = (contactId: string, openComplaints: number) =>
    publish(
      nc,
      event(tenant.id, CUSTOMER_CHURN_RISK_CHANGED, contactId, {
        contactId,
        previousBand: 'LOW',
        band: 'HIGH',
        churnRisk: 0.81,
        pAlive: 0.6,
        openComplaints,
        activityTrend: 1,
      }),
    );

  it('runs service recovery during an open complaint while marketing waits, across sales, service and marketing', async () => {
    const admin = gatewayClient(platform, await tenant.tokenFor('admin'));
    const { contactId, account } = await valuableCustomer(admin, {
      firstName: 'Grace',
      lastName: 'Hopper',
      email: 'grace@example.com',
      account: 'Harbour Ltd',
    });

    const highRisk = { field: 'event.band', op: 'eq', value: 'HIGH' };
    // Recovery steps are refused in a marketing journey, naming the step.
    const misplaced = await graphql(
      platform.graphqlUrl,
      CREATE_JOURNEY,
      {
        input: {
          name: 'Wrong',
          trigger: { event: CUSTOMER_CHURN_RISK_CHANGED },
          steps: [{ key: 'task', type: 'CREATE_TASK', task: { subject: 'Call' } }],
        },
      },
      bearer(await tenant.tokenFor('marketer')),
    );
    expect(misplaced.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.steps[0].type' });

    const offer = (
      await call(CREATE_JOURNEY, {
        input: {
          name: 'Win-back offer',
          trigger: { event: CUSTOMER_CHURN_RISK_CHANGED, condition: highRisk },
          steps: [{ key: 'offer', type: 'SEND', send: { channel: 'EMAIL', subject: '20% off for you', text: 'Come back, {{firstName}}' } }],
        },
      })
    ).createJourney.journey;
    expect(offer.purpose).toBe('MARKETING');
    const recovery = (
      await call(CREATE_JOURNEY, {
        input: {
          name: 'Recover valuable customers',
          purpose: 'SERVICE_RECOVERY',
          trigger: { event: CUSTOMER_CHURN_RISK_CHANGED, condition: { and: [highRisk, { field: 'tier', op: 'gte', value: 'gold' }] } },
          steps: [
            { key: 'task', type: 'CREATE_TASK', task: { subject: 'Call Grace about her complaint', dueInHours: 4 } },
            { key: 'raise', type: 'RAISE_CASE_PRIORITY', casePriority: 'URGENT' },
            {
              key: 'apology',
              type: 'SEND',
              send: { channel: 'EMAIL', subject: 'We are sorry, {{firstName}}', text: 'Your account manager will call you today.' },
            },
            { key: 'pause', type: 'WAIT', wait: { days: 2 } },
            { key: 'followup', type: 'SEND', send: { channel: 'EMAIL', subject: 'How did we do?', text: 'Tell us.' } },
          ],
        },
      })
    ).createJourney.journey;
    expect(recovery.purpose).toBe('SERVICE_RECOVERY');

    // The complaint, through service.
    const caseId = (
      await admin(`mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id priority } } }`, {
        input: { contactId, subject: 'Wrong invoice, third time', category: 'COMPLAINT', priority: 'NORMAL', channel: 'EMAIL' },
      })
    ).openCase.case.id;
    await eventually(
      async () =>
        (await marketingDb(platform).query(`SELECT open_complaints FROM contacts WHERE id = $1`, [contactId]))[0]?.open_complaints,
      (n) => n === 1,
    );

    // Analytics raises the churn risk because of the complaints.
    await riskRises(contactId, 1);

    const runOf = async (journeyId: string) => (await call(ENROLLMENTS, { id: journeyId })).journeyEnrollments.edges[0]?.node;
    const recovering = await eventually(
      () => runOf(recovery.id),
      (run) => run?.currentStep === 'followup',
    );
    expect(recovering).toMatchObject({ status: 'ACTIVE', pauseReason: null });
    expect(recovering.history.map((h: { stepKey: string; outcome: string }) => `${h.stepKey}:${h.outcome}`)).toEqual([
      'task:REQUESTED',
      'raise:REQUESTED',
      'apology:SENT',
      'pause:WAITED',
    ]);
    const held = await eventually(
      () => runOf(offer.id),
      (run) => run !== undefined,
    );
    expect(held).toMatchObject({ status: 'PAUSED', pauseReason: 'OPEN_COMPLAINT', currentStep: 'offer' });

    // The personal message went out (as a service message); the offer did not.
    const [apology] = await sink.waitForMessages(1, 15_000);
    expect(apology.parsed.subject).toBe('We are sorry, Grace');
    expect(apology.envelope.to[0]).toBe('grace@example.com');

    // Sales: a task on the contact for the account's owner.
    const tasks = await eventually(
      async (): Promise<{ node: Record<string, unknown> }[]> =>
        (
          await admin(
            `query($f: ActivityFilter) { activities(filter: $f) { edges { node { type subject dueAt owner { id } completedAt } } } }`,
            { f: { targetId: contactId, type: 'TASK' } },
          )
        ).activities.edges,
      (edges: { node: Record<string, unknown> }[]) => edges.length === 1,
    );
    expect(tasks[0].node).toMatchObject({
      type: 'TASK',
      subject: 'Call Grace about her complaint',
      owner: { id: account.owner.id },
      completedAt: null,
    });

    // Service: the open complaint is now URGENT.
    await eventually(
      async () => (await admin(`query($id: ID!) { case(id: $id) { priority } }`, { id: caseId })).case.priority,
      (p) => p === 'URGENT',
    );
    // The raise is a job's change: audited once, by the system, with the field's before and after.
    const raised: { actor: string; changes: unknown }[] = await platform.services.service.app.get(DataSource).query(
      `SELECT envelope->'actor'->>'kind' AS actor, envelope->'data'->'changes' AS changes FROM outbox
          WHERE type = 'service.audit.recorded' AND envelope->'data'->>'action' = 'case.priorityRaised' AND envelope->'data'->>'objectId' = $1`,
      [caseId],
    );
    expect(raised).toEqual([{ actor: 'system', changes: { priority: { before: 'NORMAL', after: 'URGENT' } } }]);
    const taskAudit: { actor: string }[] = await platform.sales.app.get(DataSource).query(
      `SELECT envelope->'actor'->>'kind' AS actor FROM outbox
          WHERE type = 'sales.audit.recorded' AND envelope->'data'->>'action' = 'activity.recoveryTaskCreated' AND tenant_id = $1`,
      [tenant.id],
    );
    expect(taskAudit).toEqual([{ actor: 'system' }]);

    // The complaint is resolved: recovery ends, marketing goes on and sends its offer.
    await admin(`mutation($input: ChangeCaseStatusInput!) { changeCaseStatus(input: $input) { case { status } } }`, {
      input: { caseId, status: 'RESOLVED' },
    });
    const ended = await eventually(
      () => runOf(recovery.id),
      (run) => run.status !== 'ACTIVE',
    );
    expect(ended).toMatchObject({ status: 'EXITED', exitReason: 'COMPLAINTS_RESOLVED', currentStep: null });
    await eventually(
      () => runOf(offer.id),
      (run) => run.status === 'COMPLETED',
    );
    const mails = await sink.waitForMessages(2, 15_000);
    expect(mails.map((m) => m.parsed.subject)).toEqual(['We are sorry, Grace', '20% off for you']);
  });

  it('does not enrol a customer without an open complaint in a service-recovery journey; marketing takes them at once', async () => {
    const admin = gatewayClient(platform, await tenant.tokenFor('admin'));
    const { contactId } = await valuableCustomer(admin, {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      account: 'Analytical Engines',
    });
    const condition = {
      and: [
        { field: 'event.band', op: 'eq', value: 'HIGH' },
        { field: 'tier', op: 'gte', value: 'gold' },
      ],
    };
    const recovery = (
      await call(CREATE_JOURNEY, {
        input: {
          name: 'Recover Ada',
          purpose: 'SERVICE_RECOVERY',
          trigger: { event: CUSTOMER_CHURN_RISK_CHANGED, condition },
          steps: [{ key: 'task', type: 'CREATE_TASK', task: { subject: 'Call Ada about her complaint' } }],
        },
      })
    ).createJourney.journey;
    // The same trigger and condition in a marketing journey: its enrolment shows the event was handled and the
    // condition met (one transaction enrols the contact in every journey the event triggers).
    const witness = (
      await call(CREATE_JOURNEY, {
        input: {
          name: 'Keep Ada',
          trigger: { event: CUSTOMER_CHURN_RISK_CHANGED, condition },
          // A wait with a step after it holds the enrolment ACTIVE (a wait as the last step completes at once).
          steps: [
            { key: 'pause', type: 'WAIT', wait: { days: 2 } },
            { key: 'later', type: 'SEND', send: { channel: 'EMAIL', subject: 'Still with us?', text: 'Hello.' } },
          ],
        },
      })
    ).createJourney.journey;

    // High churn risk, but no complaint: nothing for service recovery to recover.
    await riskRises(contactId, 0);
    const enrolments = (): Promise<{ journey_id: string; purpose: string; status: string }[]> =>
      marketingDb(platform).query(
        `SELECT e.journey_id, j.purpose, e.status FROM journey_enrollments e JOIN journeys j ON j.id = e.journey_id
          WHERE e.contact_id = $1 ORDER BY j.purpose, e.journey_id`,
        [contactId],
      );
    const seen = await eventually(enrolments, (rows) => rows.some((r) => r.journey_id === witness.id));
    expect(seen.find((r) => r.journey_id === witness.id)).toMatchObject({ purpose: 'MARKETING', status: 'ACTIVE' });
    // Neither this recovery journey nor any other (the first test's) took the customer.
    expect(seen.filter((r) => r.purpose === 'SERVICE_RECOVERY')).toEqual([]);
    expect((await call(ENROLLMENTS, { id: recovery.id })).journeyEnrollments.edges).toEqual([]);
    expect((await marketingDb(platform).query(`SELECT open_complaints FROM contacts WHERE id = $1`, [contactId]))[0].open_complaints).toBe(
      0,
    );
  });
});
