import { simpleParser } from 'mailparser';
import { createTransport, type SendMailOptions } from 'nodemailer';
import type { EmailMessage } from '../message';
import { composeEmail } from './compose-email';
import { formatFrom, headerKey, prebuiltMail } from './mime-message';
import { parseSender } from './sender';

/**
 * buildMimeMessage must write what nodemailer's composer wrote for the same
 * options (ADR 067): each case is composed both ways and the two texts are
 * compared line for line, the boundary and Date (random and per-second in
 * both) aside, and once more as mailparser reads them.
 */
const nodemailer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

async function byNodemailer(mail: SendMailOptions): Promise<string> {
  const info = await nodemailer.sendMail(mail);
  return (info.message as Buffer).toString('utf8');
}

function comparable(raw: string): string {
  const boundary = /boundary="([^"]+)"/.exec(raw)?.[1];
  const text = raw.replace(/\r?\n/g, '\r\n').replace(/^Date: .*$/m, 'Date: <date>');
  return boundary ? text.split(boundary).join('<boundary>') : text;
}

const base: EmailMessage = {
  messageId: '0190f5a4-7c1e-7b3a-9d2e-5f4c3b2a1908',
  to: 'ada@example.com',
  subject: 'Spring offer',
  text: 'Hello Ada',
  html: '<p>Hello Ada</p>',
  metadata: { tenant: '0190f5a4-0000-7000-8000-000000000001', campaign: 'c9', variant: 'A' },
};
const longLink = `https://crm.example.com/m/u/${'eyJrIjoidW5zdWJzY3JpYmUiLCJ0IjoiMDE5MGY1YTQ'.repeat(3)}.sig-abc_DEF`;

const cases: [string, string, Partial<EmailMessage>][] = [
  ['plain text and HTML', 'Rapport News <news@mail.rapport.test>', {}],
  ['text only', 'news@mail.rapport.test', { html: undefined }],
  ['HTML only', 'Rapport News <news@mail.rapport.test>', { text: undefined }],
  [
    'a non-ASCII subject, name and body with an https unsubscribe link (one-click)',
    '"Rapport News, Köln" <news@mail.rapport.test>',
    {
      subject: 'Grüße, Zoë — Ihr Angebot für den Frühling ist da und gilt nur noch bis Sonntag',
      text: 'Hallo Zoë,\nunser Angebot: 20 % auf alles. Abmelden: ' + longLink + '\nBis bald',
      html: '<p>Hallo Zoë,</p>\n<p><a href="https://crm.example.com/m/c/abc?x=1&amp;y=2">Angebot</a> ' + 'lang '.repeat(30) + '</p>',
      unsubscribeUrl: longLink,
      headers: { 'Feedback-ID': 'c9:t1:rapport' },
    },
  ],
  ['an http unsubscribe link (no one-click)', '"News" <news@mail.rapport.test>', { unsubscribeUrl: 'http://localhost:4005/m/u/tok' }],
  [
    'mostly non-Latin text (base64 parts, B-encoded subject)',
    '新闻 <news@mail.rapport.test>',
    { subject: '春季优惠 给您的专属折扣', text: '您好，\n春季优惠现已开始。', html: '<p>您好，春季优惠现已开始。</p>' },
  ],
  [
    'a plain ASCII body with a line longer than 76 (quoted-printable)',
    'news@mail.rapport.test',
    { text: `Read this: ${'a'.repeat(100)} and "quotes" = signs`, subject: 'He said "hi" =?x?= there' },
  ],
];

describe('buildMimeMessage against nodemailer', () => {
  it.each(cases)('writes what nodemailer wrote: %s', async (_case, from, change) => {
    const sender = parseSender(from);
    const mail = composeEmail({ ...base, ...change }, sender);
    const expected = await byNodemailer(mail);
    const built = prebuiltMail(mail, sender.address, formatFrom(sender.name, sender.address));
    expect(built.envelope).toEqual({ from: sender.address, to: [base.to] });
    const raw = built.raw as string;
    expect(comparable(raw)).toBe(comparable(expected));

    const [ours, theirs] = await Promise.all([simpleParser(raw), simpleParser(expected)]);
    expect(ours.subject).toBe(theirs.subject);
    expect(ours.from).toEqual(theirs.from);
    expect(ours.to).toEqual(theirs.to);
    expect(ours.messageId).toBe(theirs.messageId);
    expect(ours.text).toBe(theirs.text);
    expect(ours.html).toBe(theirs.html);
    expect(ours.headerLines.map((h) => h.key)).toEqual(theirs.headerLines.map((h) => h.key));
    expect(ours.headers.get('list-unsubscribe')).toEqual(theirs.headers.get('list-unsubscribe'));
    expect(ours.headers.get('list-unsubscribe-post')).toEqual(theirs.headers.get('list-unsubscribe-post'));
    expect(ours.subject).toBe(change.subject ?? base.subject);
  });

  it('gives each message its own boundary, none of which occurs in the body', async () => {
    const sender = parseSender('news@mail.rapport.test');
    const from = formatFrom(sender.name, sender.address);
    const boundaries = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const raw = prebuiltMail(composeEmail(base, sender), sender.address, from).raw as string;
      const boundary = /boundary="([^"]+)"/.exec(raw)?.[1] as string;
      expect(raw.split(`--${boundary}`)).toHaveLength(4);
      boundaries.add(boundary);
    }
    expect(boundaries.size).toBe(50);
  });

  it('cases header keys as nodemailer does', () => {
    expect(['X-Rapport-Message-Id', 'X-Rapport-Meta-tenant', 'feedback-id', 'List-Unsubscribe-Post'].map(headerKey)).toEqual([
      'X-Rapport-Message-ID',
      'X-Rapport-Meta-Tenant',
      'Feedback-ID',
      'List-Unsubscribe-Post',
    ]);
  });
});
