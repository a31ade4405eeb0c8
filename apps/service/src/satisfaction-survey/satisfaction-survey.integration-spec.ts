import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { SmtpSink, type ReceivedEmail } from '@rapport/channels/testing';
import { CONSENT_CHANGED, CONTACT_CREATED, SYSTEM_ACTOR } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { SalesFeed } from '../__tests__/sales-feed';
import { ServiceAppModule } from '../app.module';
import { CasesService } from '../cases/cases.service';
import { serviceDefinition } from '../service.definition';

const PUBLIC = 'https://crm.example.test';

describe('satisfaction surveys by email, rated through a signed link without login', () => {
  let service: StartedService;
  let sink: SmtpSink;
  let nc: NatsConnection;
  let feed: SalesFeed;
  const query = (sql: string, params: unknown[]) => service.app.get(DataSource).query(sql, params);
  const manager = (tenantId: string): Principal => ({
    kind: 'user',
    tenantId,
    id: randomUUID(),
    roles: ['support_manager'],
    scopes: [],
    contactId: null,
  });

  beforeAll(async () => {
    sink = await SmtpSink.start();
    service = await startService(ServiceAppModule, serviceDefinition, {
      SERVICE_SMTP_URL: sink.url,
      SERVICE_EMAIL_FROM: 'Rapport Support <support@rapport.test>',
      SERVICE_PUBLIC_URL: PUBLIC,
    });
    nc = await connect({ servers: process.env.NATS_URL });
    feed = new SalesFeed(nc, query);
  });

  afterAll(async () => {
    await nc?.close();
    await service?.close();
    await sink?.close();
  });

  async function customer(email: string) {
    const tenantId = randomUUID();
    const contactId = uuidv7();
    const now = new Date().toISOString();
    const contact = {
      id: contactId,
      accountId: null,
      ownerId: null,
      firstName: 'Ada',
      lastName: 'L',
      emails: [email, 'second@example.test'],
    };
    await feed.publish(
      newEvent({
        type: CONTACT_CREATED,
        tenantId,
        actor: SYSTEM_ACTOR,
        subjectId: contactId,
        data: { contact: { ...contact, phones: [], externalIds: [], createdAt: now, updatedAt: now } },
      }),
    );
    await feed.projected('customer_contacts', tenantId, contactId);
    return { tenantId, contactId };
  }

  async function resolvedCase(tenantId: string, contactId: string, subject: string) {
    const cases = service.app.get(CasesService);
    const c = await cases.open(manager(tenantId), { contactId, subject });
    await cases.changeStatus(manager(tenantId), { caseId: c.id, status: 'RESOLVED' });
    return c.id;
  }

  async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The survey's link for a rating, pointed at this service instead of the public gateway. */
  const linkIn = (mail: ReceivedEmail, rating: number) => {
    const match = new RegExp(`${rating} – [A-Za-z ]+: (\\S+)`).exec(mail.parsed.text ?? '');
    expect(match).not.toBeNull();
    return match![1].replace(PUBLIC, service.url);
  };
  const post = (url: string, body: string) =>
    fetch(url.split('?')[0], { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const mailsTo = (address: string) => sink.messages.filter((m) => m.envelope.to.includes(address));

  it('sends one survey per resolution to the contact’s first address; a click records the rating once', async () => {
    const { tenantId, contactId } = await customer('ada@customer.example');
    const caseId = await resolvedCase(tenantId, contactId, 'Kettle leaks');
    const mail = await sink.waitForMessageTo('ada@customer.example', 15_000);
    expect(mail.parsed.subject).toBe('How did we do? Kettle leaks');
    expect(mail.header('auto-submitted')).toBe('auto-generated');
    const link = linkIn(mail, 4);
    expect(link).toMatch(/\/s\/rate\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\?rating=4$/);

    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('name="rating" value="4"');
    expect(html).toContain('method="post"');
    const answered = await post(link, 'rating=4&comment=Quick+help');
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain('4 – Happy');
    const [request] = await query(`SELECT rating, comment, answered_at, survey_sent_at FROM satisfaction_requests WHERE case_id = $1`, [
      caseId,
    ]);
    expect(request).toMatchObject({ rating: 4, comment: 'Quick help' });
    expect(request.survey_sent_at).not.toBeNull();
    const events = await query(
      `SELECT type, envelope FROM outbox WHERE tenant_id = $1 AND type IN ('service.case.rated', 'service.audit.recorded')`,
      [tenantId],
    );
    expect(events.map((e: { type: string }) => e.type).sort()).toEqual(['service.audit.recorded', 'service.case.rated']);
    const audit = events.find((e: { type: string }) => e.type === 'service.audit.recorded').envelope;
    expect(audit.data).toMatchObject({ action: 'rateCaseByLink', objectType: 'Case', objectId: caseId });
    expect(audit.actor).toEqual({ kind: 'customer', id: contactId });

    // Once per resolution: the same link again changes nothing.
    const again = await post(link.replace('rating=4', 'rating=1'), 'rating=1');
    expect(again.status).toBe(409);
    expect((await query(`SELECT rating FROM satisfaction_requests WHERE case_id = $1`, [caseId]))[0].rating).toBe(4);

    // A reopened and re-resolved case asks again, with a new link.
    await service.app.get(CasesService).changeStatus(manager(tenantId), { caseId, status: 'OPEN' });
    await service.app.get(CasesService).changeStatus(manager(tenantId), { caseId, status: 'RESOLVED' });
    await until(
      async () => mailsTo('ada@customer.example').length,
      (n) => n === 2,
    );
    expect(mailsTo('second@example.test')).toHaveLength(0);
  });

  it('refuses forged and malformed links, and ratings outside 1–5', async () => {
    const { tenantId, contactId } = await customer('bea@customer.example');
    await resolvedCase(tenantId, contactId, 'Invoice');
    const link = linkIn(await sink.waitForMessageTo('bea@customer.example', 15_000), 5);
    const [path] = link.split('?');
    const [payload, sig] = path.slice(path.lastIndexOf('/') + 1).split('.');
    const forged = path.replace(sig, `${sig.slice(0, -2)}AA`);
    expect((await fetch(`${forged}?rating=5`)).status).toBe(404);
    expect((await post(forged, 'rating=5')).status).toBe(404);
    expect((await post(path.replace(payload, payload.slice(1)), 'rating=5')).status).toBe(404);
    expect((await fetch(path.concat('?rating=9'))).status).toBe(400);
    expect((await post(path, 'rating=0')).status).toBe(400);
    expect((await query(`SELECT answered_at FROM satisfaction_requests WHERE contact_id = $1`, [contactId]))[0].answered_at).toBeNull();
  });

  it('sends nothing to a contact who opted out of service email, and says why', async () => {
    const { tenantId, contactId } = await customer('cy@customer.example');
    const changedAt = new Date().toISOString();
    const data = {
      contactId,
      channel: 'EMAIL',
      purpose: 'SERVICE',
      previousStatus: null,
      status: 'OPTED_OUT',
      source: 'agent',
      proof: null,
      changedAt,
    };
    const event = newEvent({ type: CONSENT_CHANGED, tenantId, actor: SYSTEM_ACTOR, subjectId: contactId, data });
    await nc
      .jetstream()
      .publish(`${process.env.NATS_SUBJECT_PREFIX}.${event.type}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
    await until(
      () => query(`SELECT status FROM service_email_consents WHERE contact_id = $1`, [contactId]),
      (rows) => rows.length === 1,
    );
    const caseId = await resolvedCase(tenantId, contactId, 'Do not write');
    const [request] = await until(
      () => query(`SELECT survey_skipped, survey_sent_at FROM satisfaction_requests WHERE case_id = $1`, [caseId]),
      (rows) => rows[0]?.survey_skipped !== null,
    );
    expect(request).toEqual({ survey_skipped: 'NO_CONSENT', survey_sent_at: null });
    expect(mailsTo('cy@customer.example')).toHaveLength(0);
  });
});
