import { SmtpSink } from '@rapport/channels/testing';
import { NOTIFICATION_CREATED, SYSTEM_ACTOR } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { createRapportClient, MyNotificationPreferencesDocument, SetNotificationPreferencesDocument } from '@rapport/sdk';
import { ServiceDatabase } from '@rapport/service-kit';
import { bearer, graphql } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { recordNotification } from '../../apps/service/src/notifications/notification-record';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

// Platform start-up on a loaded 2-core machine (shared by several test runs) took over 2 minutes.
jest.setTimeout(300_000);

interface Row {
  id: string;
  caseId: string;
  kind: string;
  sent: Date | null;
  skipped: string | null;
}

/** Whether another transaction holds the notification's row for more than a second (a send inside a transaction does). */
async function heldBySomeoneElse(db: DataSource, id: string): Promise<boolean> {
  const runner = db.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  try {
    await runner.query(`SET LOCAL lock_timeout = '1s'`);
    await runner.query(`SELECT 1 FROM notifications WHERE id = $1 FOR UPDATE`, [id]);
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === '55P03') return true;
    throw err;
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}

/**
 * Notifications by email, as staff choose: an agent who asked for SLA
 * warnings by email gets exactly one email for her case's warning (not for
 * the assignment or the breach, which she did not ask for); an agent who
 * kept the default gets none — both still see every notification in
 * myNotifications. Through the gateway, with the SDK, to a real SMTP sink.
 */
describe('notifications by email follow each user’s preference (end to end)', () => {
  let platform: Platform;
  let sink: SmtpSink;
  let tenant: TestTenant;
  let admin: string;

  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(admin));
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  beforeAll(async () => {
    // A slow mail server: each message takes 2.5 s to be accepted.
    sink = await SmtpSink.start({ dataDelayMs: 2_500 });
    // SLA timers wait 5 % of real time: a 1-minute first-response target warns after 1.5 s and breaches after 3 s.
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
    tenant = await createTenant(platform, 'notifymail');
    admin = await tenant.tokenFor('admin');
  });

  afterAll(async () => {
    await platform?.stop();
    await sink?.close();
  });

  it('emails the SLA warning once to the agent who chose it, and nothing to the agent who did not', async () => {
    const on = await tenant.createUser('mailme', ['support_agent']);
    const off = await tenant.createUser('quiet', ['support_agent']);
    const onClient = createRapportClient({ url: platform.graphqlUrl, token: on.token });
    const offClient = createRapportClient({ url: platform.graphqlUrl, token: off.token });
    try {
      expect((await offClient.request(MyNotificationPreferencesDocument, {})).myNotificationPreferences).toEqual({
        email: false,
        kinds: null,
      });
      const set = await onClient.request(SetNotificationPreferencesDocument, { input: { email: true, kinds: ['SLA_WARNING'] } });
      expect(set.setNotificationPreferences.preferences).toEqual({ email: true, kinds: ['SLA_WARNING'] });
      expect((await onClient.request(MyNotificationPreferencesDocument, {})).myNotificationPreferences).toEqual({
        email: true,
        kinds: ['SLA_WARNING'],
      });

      await ok(
        `mutation { setSlaPolicy(input: { priority: NORMAL, firstResponseMinutes: 1, resolutionMinutes: 600, warningShare: 0.5 }) { policy { id } } }`,
      );
      const contact = await ok(`mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, {
        i: { lastName: 'Waiting', emails: ['waiting@notifymail.test'] },
      });
      const caseFor = async (subject: string, ownerId: string): Promise<string> => {
        const opened = await ok(`mutation($i: OpenCaseInput!) { openCase(input: $i) { case { id } } }`, {
          i: { contactId: contact.createContact.contact.id, subject, channel: 'EMAIL' },
        });
        const caseId: string = opened.openCase.case.id;
        await ok(`mutation($i: AssignCaseInput!) { assignCase(input: $i) { case { id } } }`, { i: { caseId, ownerId } });
        return caseId;
      };
      const onCase = await caseFor('Printer on fire', on.id);
      const offCase = await caseFor('Printer jammed', off.id);

      // Wait until both cases have breached and every one of their notifications has been handled by the email consumer.
      const service = platform.services.service.app.get(DataSource);
      let rows: Row[] = [];
      let heldDuringSend = 0;
      for (let n = 0; ; n++) {
        rows = await service.query(
          `SELECT id, case_id AS "caseId", kind, email_sent_at AS sent, email_skipped AS skipped FROM notifications
            WHERE case_id = ANY($1) ORDER BY created_at`,
          [[onCase, offCase]],
        );
        // While the warning's email is on its way, its row is free: the send holds no transaction (ADR 054).
        const inFlight = rows.find((r) => r.caseId === onCase && r.kind === 'SLA_WARNING' && !r.sent && !r.skipped);
        if (inFlight) heldDuringSend += (await heldBySomeoneElse(service, inFlight.id)) ? 1 : 0;
        const breached = new Set(rows.filter((r) => r.kind === 'SLA_BREACHED').map((r) => r.caseId));
        if (breached.size === 2 && rows.every((r) => r.sent || r.skipped)) break;
        if (n > 600) throw new Error(`notifications not handled: ${JSON.stringify(rows)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(heldDuringSend).toBe(0);
      const outcome = (caseId: string) => rows.filter((r) => r.caseId === caseId).map((r) => [r.kind, r.sent ? 'SENT' : r.skipped]);
      expect(outcome(onCase)).toEqual([
        ['CASE_ASSIGNED', 'NOT_WANTED'],
        ['SLA_WARNING', 'SENT'],
        ['SLA_BREACHED', 'NOT_WANTED'],
      ]);
      expect(outcome(offCase)).toEqual([
        ['CASE_ASSIGNED', 'NOT_WANTED'],
        ['SLA_WARNING', 'NOT_WANTED'],
        ['SLA_BREACHED', 'NOT_WANTED'],
      ]);

      // A second look a moment later: nothing more arrives (no duplicate from a redelivery).
      await new Promise((r) => setTimeout(r, 1_000));
      const to = (address: string) => sink.messages.filter((m) => m.envelope.to.includes(address));
      const mine = to(`mailme@${tenant.slug}.test`);
      expect(mine).toHaveLength(1);
      expect(mine[0].parsed.subject).toBe("A case's clock is about to run out: Printer on fire");
      expect(mine[0].header('auto-submitted')).toBe('auto-generated');
      expect(mine[0].parsed.text).toContain('https://crm.example.test');
      expect(to(`quiet@${tenant.slug}.test`)).toHaveLength(0);

      // The same notification published again (a new event id, so the inbox does not catch it): still one email.
      const [warning] = await service.query(
        `SELECT id, recipient_id AS "recipientId", kind, case_id AS "caseId", due_at AS "dueAt", created_at AS "createdAt"
           FROM notifications WHERE case_id = $1 AND kind = 'SLA_WARNING'`,
        [onCase],
      );
      const again = newEvent({
        type: NOTIFICATION_CREATED,
        tenantId: tenant.id,
        actor: SYSTEM_ACTOR,
        subjectId: warning.id,
        data: {
          notification: {
            ...warning,
            webhookEndpointId: null,
            activityId: null,
            dueAt: warning.dueAt.toISOString(),
            createdAt: warning.createdAt.toISOString(),
          },
        },
      });
      const db = platform.services.service.app.get(ServiceDatabase);
      await db.withTenant(tenant.id, (em) => db.publish(em, again));
      for (let n = 0; ; n++) {
        const seen = await service.query(`SELECT 1 FROM inbox WHERE consumer = 'service_notification_email' AND event_id = $1`, [again.id]);
        if (seen.length > 0) break;
        if (n > 300) throw new Error('the republished notification was never consumed');
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 500));
      expect(to(`mailme@${tenant.slug}.test`)).toHaveLength(1);
    } finally {
      await onClient.close();
      await offClient.close();
    }
  });

  it('a slow mail server holds no transaction open: the row is free while its email is on its way, and it is sent once', async () => {
    const agent = await tenant.createUser('slowmail', ['support_agent']);
    const client = createRapportClient({ url: platform.graphqlUrl, token: agent.token });
    try {
      await client.request(SetNotificationPreferencesDocument, { input: { email: true, kinds: null } });
    } finally {
      await client.close();
    }
    const service = platform.services.service.app.get(DataSource);
    // The address comes from the service's projection of identity's users.
    for (
      let n = 0;
      (await service.query(`SELECT 1 FROM identity_users WHERE id = $1 AND email IS NOT NULL`, [agent.id])).length === 0;
      n++
    ) {
      if (n > 300) throw new Error('the user never reached the service');
      await new Promise((r) => setTimeout(r, 100));
    }
    const db = platform.services.service.app.get(ServiceDatabase);
    await db.withTenant(tenant.id, (em) =>
      recordNotification(db, em, tenant.id, { recipientId: agent.id, kind: 'ACTIVITY_DUE', dueAt: new Date(), createdAt: new Date() }),
    );
    const [{ id }] = await service.query(`SELECT id FROM notifications WHERE recipient_id = $1`, [agent.id]);
    let probes = 0;
    let held = 0;
    for (let n = 0; ; n++) {
      const [state] = await service.query(`SELECT email_sent_at AS sent, email_skipped AS skipped FROM notifications WHERE id = $1`, [id]);
      if (state.sent || state.skipped) {
        expect(state.skipped).toBeNull();
        break;
      }
      probes += 1;
      if (await heldBySomeoneElse(service, id)) held += 1;
      if (n > 300) throw new Error('the notification was never emailed');
      await new Promise((r) => setTimeout(r, 100));
    }
    // The mail server took 2.5 s: the row was looked at while the email was on its way, and never found locked.
    expect(probes).toBeGreaterThan(0);
    expect(held).toBe(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sink.messages.filter((m) => m.envelope.to.includes(`slowmail@${tenant.slug}.test`))).toHaveLength(1);
  });
});
