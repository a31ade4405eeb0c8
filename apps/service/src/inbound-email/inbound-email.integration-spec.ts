import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { SmtpSink } from '@rapport/channels/testing';
import { CONTACT_CREATED, SYSTEM_ACTOR } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { createTransport, type SendMailOptions } from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { SalesFeed } from '../__tests__/sales-feed';
import { ServiceAppModule } from '../app.module';
import { CasesService } from '../cases/cases.service';
import { serviceDefinition } from '../service.definition';
import { InboundEmailReads } from './inbound-email-reads.service';
import { InboundSmtpServer } from './inbound-smtp.server';
import { InboundTriage } from './inbound-triage.service';
import { newReplyToken } from './support-address';

const DOMAIN = 'support.rapport.test';
const SECRET = `whsec_${Buffer.from('inbound-webhook-secret-for-tests').toString('base64')}`;

describe('email-to-case: SMTP endpoint and signed webhook', () => {
  let service: StartedService;
  let sink: SmtpSink;
  let nc: NatsConnection;
  let feed: SalesFeed;
  const query = (sql: string, params: unknown[]) => service.app.get(DataSource).query(sql, params);
  const agent = (tenantId: string): Principal => ({
    kind: 'user',
    tenantId,
    id: randomUUID(),
    roles: ['support_agent'],
    scopes: [],
    contactId: null,
  });

  beforeAll(async () => {
    sink = await SmtpSink.start();
    service = await startService(ServiceAppModule, serviceDefinition, {
      SERVICE_INBOUND_EMAIL_DOMAIN: DOMAIN,
      SERVICE_INBOUND_SMTP_PORT: '0',
      SERVICE_INBOUND_WEBHOOK_SECRET: SECRET,
      SERVICE_INBOUND_MAX_ATTACHMENT_BYTES: '4096',
      SERVICE_INBOUND_MAX_MESSAGE_BYTES: '65536',
      SERVICE_SMTP_URL: sink.url,
      SERVICE_EMAIL_FROM: 'Rapport Support <support@rapport.test>',
    });
    nc = await connect({ servers: process.env.NATS_URL });
    feed = new SalesFeed(nc, query);
  });

  afterAll(async () => {
    await nc?.close();
    await service?.close();
    await sink?.close();
  });

  /** A tenant with a support mailbox and a contact who writes from `email`. */
  async function tenantWithCustomer(email: string) {
    const tenantId = randomUUID();
    const slug = `t${tenantId.slice(0, 8)}`;
    await query(`INSERT INTO inbound_mailboxes (tenant_id, slug) VALUES ($1, $2)`, [tenantId, slug]);
    const contactId = uuidv7();
    const now = new Date().toISOString();
    const contact = { id: contactId, accountId: null, ownerId: null, firstName: 'Ada', lastName: 'Lovelace', emails: [email] };
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
    return { tenantId, slug, contactId, address: `${slug}@${DOMAIN}` };
  }

  /** Sends through a real SMTP client to the service's port; resolves with the server's answer. */
  async function smtpSend(mail: SendMailOptions & { envelope?: { from: string | false; to: string } }) {
    const port = service.app.get(InboundSmtpServer).port as number;
    const transport = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    try {
      return await transport.sendMail(mail);
    } finally {
      transport.close();
    }
  }

  const inbound = (tenantId: string) =>
    query(`SELECT id, status, ignored_reason, case_id, contact_id, via FROM inbound_emails WHERE tenant_id = $1 ORDER BY received_at, id`, [
      tenantId,
    ]) as Promise<{ id: string; status: string; ignored_reason: string | null; case_id: string | null; via: string }[]>;
  const audits = (tenantId: string) =>
    query(`SELECT envelope FROM outbox WHERE tenant_id = $1 AND type = 'service.audit.recorded' ORDER BY created_at, id`, [
      tenantId,
    ]) as Promise<
      { envelope: { actor: { kind: string }; data: { action: string; objectId: string; details: Record<string, unknown> } } }[]
    >;
  const comments = (caseId: string) =>
    query(`SELECT body, author_kind, visibility FROM case_comments WHERE case_id = $1 ORDER BY created_at`, [caseId]) as Promise<
      { body: string; author_kind: string; visibility: string }[]
    >;

  it('opens a case for the sender’s contact, keeps small attachments, refuses a large one with a note, and acknowledges', async () => {
    const t = await tenantWithCustomer('ada@customer.example');
    const info = await smtpSend({
      from: 'Ada Lovelace <Ada@Customer.example>',
      to: t.address,
      subject: 'Kettle leaks',
      text: 'My kettle leaks since Monday.',
      messageId: `<${randomUUID()}@customer.example>`,
      attachments: [
        { filename: 'receipt.txt', content: 'paid 40 EUR' },
        { filename: 'video.bin', content: Buffer.alloc(10_000, 1) },
      ],
    });
    expect(info.response).toMatch(/^250 .*CASE_OPENED/);

    const [row] = await inbound(t.tenantId);
    expect(row).toMatchObject({ status: 'CASE_OPENED', via: 'SMTP', contact_id: t.contactId });
    const opened = await service.app.get(CasesService).get(agent(t.tenantId), row.case_id as string);
    expect(opened).toMatchObject({ subject: 'Kettle leaks', channel: 'EMAIL', contactId: t.contactId, status: 'NEW' });
    expect(opened?.description).toContain('My kettle leaks since Monday.');
    expect(opened?.description).toContain('Attachment "video.bin" (9.8 KB) was not kept: attachments may be at most 4.0 KB.');
    const kept = await service.app.get(InboundEmailReads).attachmentsByCase(agent(t.tenantId), [row.case_id as string]);
    expect(kept.get(row.case_id as string)?.map((a) => [a.fileName, a.sizeBytes])).toEqual([['receipt.txt', 11]]);
    const [stored] = await query(`SELECT content FROM email_attachments WHERE case_id = $1`, [row.case_id]);
    expect(stored.content.toString()).toBe('paid 40 EUR');

    const ack = await sink.waitForMessageTo('ada@customer.example');
    const [token] = await query(`SELECT token FROM case_reply_tokens WHERE case_id = $1`, [row.case_id]);
    expect(ack.header('reply-to')).toBe(`${t.slug}+${token.token}@${DOMAIN}`);
    expect(ack.header('auto-submitted')).toBe('auto-replied');
    expect(ack.parsed.subject).toBe(`Re: Kettle leaks [ref:${token.token}]`);
    expect(ack.parsed.text).toContain('video.bin');

    const [entry] = await audits(t.tenantId);
    expect(entry.envelope.data).toMatchObject({ action: 'inboundEmail.received', objectId: row.id });
    expect(entry.envelope.data.details).toMatchObject({ status: 'CASE_OPENED', caseId: row.case_id, attachments: 1 });
    expect(entry.envelope.actor.kind).toBe('customer');
  });

  it('threads replies by the reply address or the subject token; a guessed token threads nothing', async () => {
    const t = await tenantWithCustomer('bea@customer.example');
    await smtpSend({ from: 'bea@customer.example', to: t.address, subject: 'Invoice wrong', text: 'Line 2 is wrong.' });
    const ack = await sink.waitForMessageTo('bea@customer.example');
    const caseId = (await inbound(t.tenantId))[0].case_id as string;
    await service.app.get(CasesService).changeStatus(
      { ...agent(t.tenantId), roles: ['support_manager'] },
      {
        caseId,
        status: 'RESOLVED',
      },
    );

    // Reply to the Reply-To address: back onto the case, which reopens (the customer answered).
    await smtpSend({
      from: 'bea@customer.example',
      to: ack.header('reply-to'),
      subject: `Re: ${ack.parsed.subject}`,
      text: 'Still wrong.',
    });
    // A client that drops the plus part: the subject carries the token.
    await smtpSend({ from: 'bea@customer.example', to: t.address, subject: `Re: ${ack.parsed.subject}`, text: 'And line 3.' });
    // A colleague in copy who holds the address writes too; the case shows who.
    await smtpSend({ from: 'boss@customer.example', to: ack.header('reply-to'), subject: 'Re: Invoice', text: 'Please hurry.' });
    expect((await comments(caseId)).map((c) => [c.body, c.author_kind, c.visibility])).toEqual([
      ['Still wrong.', 'customer', 'PUBLIC'],
      ['And line 3.', 'customer', 'PUBLIC'],
      ['From boss@customer.example:\n\nPlease hurry.', 'customer', 'PUBLIC'],
    ]);
    const c = await service.app.get(CasesService).get(agent(t.tenantId), caseId);
    expect(c?.status).toBe('OPEN');

    // A stranger guessing at tokens reaches no case: their mail is held as an unknown sender.
    await smtpSend({ from: 'mallory@evil.example', to: `${t.slug}+${newReplyToken()}@${DOMAIN}`, subject: 'hi', text: 'let me in' });
    await smtpSend({ from: 'mallory@evil.example', to: t.address, subject: `Re: [ref:${newReplyToken()}]`, text: 'let me in' });
    expect((await comments(caseId)).length).toBe(3);
    const rows = await inbound(t.tenantId);
    expect(rows.map((r) => r.status)).toEqual(['CASE_OPENED', 'THREADED', 'THREADED', 'THREADED', 'UNKNOWN_SENDER', 'UNKNOWN_SENDER']);
    expect((await audits(t.tenantId)).length).toBe(6);
    // No acknowledgement for replies or strangers: only the first message was answered (the resolution's survey aside).
    // The resolution's survey keeps the thread too: answering it in words goes onto the case.
    for (let n = 0; !sink.messages.some((m) => m.parsed.subject === 'How did we do? Invoice wrong'); n++) {
      if (n > 100) throw new Error('no survey email');
      await new Promise((r) => setTimeout(r, 100));
    }
    const survey = sink.messages.find((m) => m.parsed.subject === 'How did we do? Invoice wrong');
    expect(survey?.header('reply-to')).toBe(ack.header('reply-to'));
    const acknowledgements = sink.messages.filter((m) => m.header('auto-submitted') === 'auto-replied');
    expect(acknowledgements.filter((m) => m.envelope.to.includes('bea@customer.example'))).toHaveLength(1);
    expect(sink.messages.filter((m) => m.envelope.to.includes('mallory@evil.example'))).toHaveLength(0);
  });

  it('holds an unknown sender for triage, listed for agents, who open the case for the right contact; refuses customers', async () => {
    const t = await tenantWithCustomer('known@customer.example');
    await smtpSend({ from: 'Stranger <new@prospect.example>', to: t.address, subject: 'Do you ship to Mars?', text: 'Asking.' });
    const page = await service.app.get(InboundEmailReads).list(agent(t.tenantId), { filter: { status: 'UNKNOWN_SENDER' } });
    expect(page.totalCount).toBe(1);
    expect(page.edges[0].node).toMatchObject({
      from: 'new@prospect.example',
      fromName: 'Stranger',
      subject: 'Do you ship to Mars?',
      status: 'UNKNOWN_SENDER',
      ignoredReason: 'no contact has this address',
      caseId: null,
    });
    const customer: Principal = {
      kind: 'customer',
      tenantId: t.tenantId,
      id: t.contactId,
      roles: ['customer'],
      scopes: [],
      contactId: t.contactId,
    };
    await expect(service.app.get(InboundEmailReads).list(customer, {})).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(service.app.get(InboundEmailReads).list(agent(t.tenantId), { filter: { status: 'NOPE' } })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'filter.status' },
    });

    // The agent settles it for a contact: a case from the email, acknowledged; only once.
    const triage = service.app.get(InboundTriage);
    const heldId = page.edges[0].node.id;
    await expect(triage.openCase(customer, { inboundEmailId: heldId, contactId: t.contactId })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    await expect(triage.openCase(agent(t.tenantId), { inboundEmailId: 'x', contactId: t.contactId })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'inboundEmailId' },
    });
    const settled = await triage.openCase(agent(t.tenantId), { inboundEmailId: heldId, contactId: t.contactId });
    expect(settled.case).toMatchObject({ subject: 'Do you ship to Mars?', channel: 'EMAIL', contactId: t.contactId });
    expect(settled.inboundEmail).toMatchObject({ status: 'CASE_OPENED', caseId: settled.case.id });
    expect((await sink.waitForMessageTo('new@prospect.example')).header('reply-to')).toMatch(new RegExp(`^${t.slug}\\+[a-z2-7]{20}@`));
    await expect(triage.openCase(agent(t.tenantId), { inboundEmailId: heldId, contactId: t.contactId })).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', field: 'inboundEmailId' },
    });
  });

  it('ignores auto-replies, bounces and its own mail coming back, recording each', async () => {
    const t = await tenantWithCustomer('cy@customer.example');
    const base = { from: 'cy@customer.example', to: t.address, text: 'away' };
    await smtpSend({ ...base, subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } });
    await smtpSend({ ...base, subject: 'Automatic reply', headers: { 'X-Auto-Response-Suppress': 'All' } });
    await smtpSend({ ...base, subject: 'Newsletter', headers: { Precedence: 'bulk' } });
    await smtpSend({ ...base, subject: 'Undeliverable', envelope: { from: false, to: t.address } });
    await smtpSend({ ...base, subject: 'Re: loop', messageId: `<${randomUUID()}@rapport.test>` });
    const rows = await inbound(t.tenantId);
    expect(rows.map((r) => [r.status, r.ignored_reason])).toEqual([
      ['IGNORED', 'Auto-Submitted: auto-replied'],
      ['IGNORED', 'X-Auto-Response-Suppress: All'],
      ['IGNORED', 'Precedence: bulk'],
      ['IGNORED', 'null return path (a bounce or delivery report)'],
      ['IGNORED', 'Message-ID of our own domain (mail loop)'],
    ]);
    expect(await query(`SELECT count(*)::int AS n FROM cases WHERE tenant_id = $1`, [t.tenantId])).toEqual([{ n: 0 }]);
    expect((await audits(t.tenantId)).map((a) => a.envelope.data.action)).toEqual(Array(5).fill('inboundEmail.ignored'));
    expect(sink.messages.filter((m) => m.envelope.to.includes('cy@customer.example'))).toHaveLength(0);
  });

  it('takes a message once (the same Message-ID again changes nothing) and refuses unknown mailboxes at RCPT TO', async () => {
    const t = await tenantWithCustomer('dee@customer.example');
    const mail = {
      from: 'dee@customer.example',
      to: t.address,
      subject: 'Twice',
      text: 'once',
      messageId: `<${randomUUID()}@customer.example>`,
    };
    await smtpSend(mail);
    await smtpSend(mail);
    expect(await inbound(t.tenantId)).toHaveLength(1);
    expect(await query(`SELECT count(*)::int AS n FROM cases WHERE tenant_id = $1`, [t.tenantId])).toEqual([{ n: 1 }]);
    await expect(smtpSend({ ...mail, to: `nobody-here@${DOMAIN}` })).rejects.toMatchObject({ responseCode: 550 });
    await expect(smtpSend({ ...mail, to: 'someone@elsewhere.example' })).rejects.toMatchObject({ responseCode: 550 });
    // A delivery still at work on the same message: the second is told to come back (451); one a crash left behind is redone.
    const busy = { ...mail, messageId: `<${randomUUID()}@customer.example>` };
    const busyId = busy.messageId.slice(1, -1);
    await query(
      `INSERT INTO inbound_emails (id, tenant_id, via, message_id, from_address, to_address, status, received_at)
       VALUES ($1, $2, 'SMTP', $3, 'dee@customer.example', $4, 'RECEIVED', now())`,
      [uuidv7(), t.tenantId, busyId, t.address],
    );
    await expect(smtpSend(busy)).rejects.toMatchObject({ responseCode: 451 });
    await query(`UPDATE inbound_emails SET received_at = now() - interval '10 minutes' WHERE message_id = $1`, [busyId]);
    expect((await smtpSend(busy)).response).toMatch(/CASE_OPENED/);
    expect(await query(`SELECT status FROM inbound_emails WHERE message_id = $1`, [busyId])).toEqual([{ status: 'CASE_OPENED' }]);
    const huge = { ...mail, messageId: undefined, attachments: [{ filename: 'huge.bin', content: Buffer.alloc(100_000, 7) }] };
    await expect(smtpSend(huge)).rejects.toMatchObject({ responseCode: 552 });
    expect(await inbound(t.tenantId)).toHaveLength(2);
  });

  describe('provider webhook (POST /inbound/email, Standard Webhooks)', () => {
    const raw = (to: string, from: string, subject: string) =>
      Buffer.from(
        [
          `From: ${from}`,
          `To: ${to}`,
          `Subject: ${subject}`,
          `Message-ID: <${randomUUID()}@customer.example>`,
          'Content-Type: text/plain; charset=utf-8',
          '',
          'Sent through the provider.',
          '',
        ].join('\r\n'),
      );
    const post = (body: Buffer, headers: Record<string, string>) =>
      fetch(`${service.url}/inbound/email`, { method: 'POST', headers: { 'content-type': 'message/rfc822', ...headers }, body });
    const signed = (body: Buffer, secret = SECRET, at = new Date()) => {
      const id = `msg_${randomUUID()}`;
      return {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, at, body),
      };
    };

    it('opens a case from a signed POST of the raw message', async () => {
      const t = await tenantWithCustomer('eve@customer.example');
      const body = raw(t.address, 'Eve <eve@customer.example>', 'Via provider');
      const res = await post(body, signed(body));
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { inboundEmailId: string; caseId: string };
      expect(answer).toMatchObject({ status: 'CASE_OPENED', duplicate: false });
      const again = await post(body, signed(body));
      expect(await again.json()).toMatchObject({ status: 'CASE_OPENED', duplicate: true, inboundEmailId: answer.inboundEmailId });
      const [row] = await inbound(t.tenantId);
      expect(row).toMatchObject({ status: 'CASE_OPENED', via: 'WEBHOOK', case_id: answer.caseId });
      await sink.waitForMessageTo('eve@customer.example');
    });

    it('refuses unsigned, forged and stale posts, and mail for no mailbox', async () => {
      const t = await tenantWithCustomer('fay@customer.example');
      const body = raw(t.address, 'fay@customer.example', 'Forged');
      expect((await post(body, {})).status).toBe(401);
      const otherSecret = `whsec_${Buffer.from('some-other-secret-of-enough-length').toString('base64')}`;
      expect((await post(body, signed(body, otherSecret))).status).toBe(401);
      expect((await post(body, signed(body, SECRET, new Date(Date.now() - 10 * 60_000)))).status).toBe(401);
      const tampered = signed(body);
      expect((await post(raw(t.address, 'fay@customer.example', 'Changed'), tampered)).status).toBe(401);
      expect(await inbound(t.tenantId)).toHaveLength(0);
      const nowhere = raw(`ghost@${DOMAIN}`, 'fay@customer.example', 'Lost');
      const res = await post(nowhere, signed(nowhere));
      expect(res.status).toBe(422);
      expect((await post(body, { ...signed(body), 'content-type': 'text/plain' })).status).toBe(415);
    });
  });
});
