import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { SmtpSink } from '@rapport/channels/testing';
import { CONTACT_CREATED, SYSTEM_ACTOR } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { ServiceDatabase, WaitBudget, type StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import type { Job, Worker } from 'bullmq';
import Redis from 'ioredis';
import { simpleParser } from 'mailparser';
import { createTransport, type SendMailOptions } from 'nodemailer';
import { MarketingAppModule } from '../app.module';
import { ConsentService } from '../consent/consent.service';
import { LinkSigner } from '../links/link-secret.store';
import { marketingDefinition } from '../marketing.definition';
import { MarketingConsumers } from '../read-model/marketing-consumers';
import { SegmentsService } from '../segments/segments.service';
import { SendPacer } from '../sending/send-pacer';
import { instrumentHtml } from '../templates/template-rules';
import { CampaignBatchSender, type BatchJobData } from './campaign-batch-sender';
import { CampaignLauncher } from './campaign-launcher';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';

/**
 * The email channel writes campaign messages itself instead of through
 * nodemailer's composer (ADR 067). What reaches the SMTP server must be what
 * nodemailer wrote before: a campaign with a non-ASCII sender name, subject
 * and contact name, a tracked link and the one-click unsubscribe is sent, and
 * the message the server received is compared with nodemailer's composition
 * of the same message (the options the channel gave nodemailer before) —
 * header by header and body by body, only the boundary and Date (random and
 * per-second in both) aside.
 */
describe('campaign sending: the delivered message is the one nodemailer composed', () => {
  const FROM = '"Rapport Köln, News" <news@content.test>';
  const PUBLIC_URL = 'https://crm.content.test';
  let marketing: StartedService;
  let sink: SmtpSink;
  let redis: Redis;
  const tenantId = randomUUID();
  const marketer: Principal = { kind: 'user', tenantId, id: randomUUID(), roles: ['marketer'], scopes: [], contactId: null };
  const lastName = `Content-${tenantId.slice(0, 8)}`;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    marketing = await startService(MarketingAppModule, marketingDefinition, {
      MARKETING_SMTP_URL: sink.url,
      MARKETING_EMAIL_FROM: FROM,
      MARKETING_PUBLIC_URL: PUBLIC_URL,
      MARKETING_EMAIL_RATE_PER_SECOND: '10000',
    });
  });

  afterAll(async () => {
    await marketing?.close();
    await sink?.close();
    redis?.disconnect();
  });

  it('sends the same headers and bodies, with RFC 2047 subject and name, and List-Unsubscribe with one-click', async () => {
    const contactId = randomUUID();
    const now = new Date().toISOString();
    const contact = {
      ...{ id: contactId, accountId: null, ownerId: null, firstName: 'Zoë', lastName },
      ...{ emails: ['zoe@content.test'], phones: [], externalIds: [], createdAt: now, updatedAt: now },
    };
    const db = marketing.app.get(ServiceDatabase);
    await db.withTenant(tenantId, (em) =>
      marketing.app
        .get(MarketingConsumers)
        .handleBatch(
          [newEvent({ type: CONTACT_CREATED, tenantId, actor: SYSTEM_ACTOR, subjectId: contactId, data: { contact } })],
          em,
          tenantId,
        ),
    );
    await marketing.app
      .get(ConsentService)
      .set(marketer, { contactId, channel: 'EMAIL', status: 'OPTED_IN', source: 'content-spec' }, new WaitBudget(5000));
    const segment = await marketing.app.get(SegmentsService).create(marketer, {
      name: 'Content',
      rule: { field: 'lastName', op: 'eq', value: lastName },
    });
    const draft = await marketing.app.get(CampaignsService).create(marketer, {
      name: 'Frühling',
      segmentId: segment.id,
      channel: 'EMAIL',
      variants: [
        {
          key: 'A',
          splitPercent: 100,
          subject: 'Grüße, {{firstName}} — unser Frühlingsangebot für Sie ist da und gilt bis Sonntag',
          text: 'Hallo {{firstName}},\n20 % auf alles im Frühling.\nAbmelden: {{unsubscribeUrl}}',
          html: '<p>Hallo {{firstName}}, <a href="https://shop.example.com/angebot?x=1&amp;y=2">zum Angebot</a></p>',
        },
      ],
    });
    const repo = marketing.app.get(CampaignsRepository);
    const draw = await db.withTenant(tenantId, async (em) =>
      marketing.app.get(CampaignLauncher).start(em, tenantId, await repo.load(em, tenantId, draft.id), { enforceBudget: false }),
    );
    const sender = marketing.app.get(CampaignBatchSender);
    const pacer = new SendPacer(redis, `content-spec:${tenantId}`);
    for (const batch of draw.batches) {
      const job = { data: { tenantId, campaignId: draft.id, batch } } as Job<BatchJobData>;
      await sender.run(job, { closing: false } as unknown as Worker<BatchJobData>, pacer);
    }
    const [received] = await sink.waitForMessages(1);

    // The message as the email channel gave it to nodemailer before (composeEmail's options), composed by nodemailer.
    const messageId = received.header('x-rapport-message-id') as string;
    const links = marketing.app.get(LinkSigner);
    const unsubscribe = links.url('u', { k: 'unsubscribe', t: tenantId, m: messageId });
    const html = instrumentHtml(
      '<p>Hallo Zoë, <a href="https://shop.example.com/angebot?x=1&amp;y=2">zum Angebot</a></p>',
      (url) => links.url('c', { k: 'click', t: tenantId, m: messageId, u: url }),
      links.url('o', { k: 'open', t: tenantId, m: messageId }, '.gif'),
    );
    const before: SendMailOptions = {
      from: FROM,
      to: 'zoe@content.test',
      subject: 'Grüße, Zoë — unser Frühlingsangebot für Sie ist da und gilt bis Sonntag',
      messageId: `<${messageId}@content.test>`,
      headers: {
        'X-Rapport-Message-Id': messageId,
        'X-Rapport-Meta-tenant': tenantId,
        'X-Rapport-Meta-campaign': draft.id,
        'X-Rapport-Meta-variant': 'A',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
      text: `Hallo Zoë,\n20 % auf alles im Frühling.\nAbmelden: ${unsubscribe}`,
      html,
      list: { unsubscribe },
    };
    const info = await createTransport({ streamTransport: true, buffer: true, newline: 'windows' }).sendMail(before);
    const expected = (info.message as Buffer).toString('utf8');

    expect(received.envelope).toEqual({ from: 'news@content.test', to: ['zoe@content.test'] });
    expect(comparable(received.raw)).toBe(comparable(expected));
    const theirs = await simpleParser(expected);
    const ours = received.parsed;
    expect(ours.subject).toBe('Grüße, Zoë — unser Frühlingsangebot für Sie ist da und gilt bis Sonntag');
    expect(ours.from?.value).toEqual([{ name: 'Rapport Köln, News', address: 'news@content.test' }]);
    expect(ours.headerLines.map((h) => h.key)).toEqual(theirs.headerLines.map((h) => h.key));
    for (const key of ours.headerLines.map((h) => h.key).filter((k) => k !== 'date' && k !== 'content-type'))
      expect([key, ours.headers.get(key)]).toEqual([key, theirs.headers.get(key)]);
    expect(ours.text).toBe(theirs.text);
    expect(ours.html).toBe(theirs.html);
    expect(received.header('list-unsubscribe')).toBe(`<${unsubscribe}>`);
    expect(received.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(unsubscribe.startsWith(`${PUBLIC_URL}/m/u/`)).toBe(true);
  });
});

/** The raw text with its boundary and Date replaced, line breaks as CRLF. */
function comparable(raw: string): string {
  const boundary = /boundary="([^"]+)"/.exec(raw)?.[1];
  const text = raw.replace(/\r?\n/g, '\r\n').replace(/^Date: .*$/m, 'Date: <date>');
  return boundary ? text.split(boundary).join('<boundary>') : text;
}
