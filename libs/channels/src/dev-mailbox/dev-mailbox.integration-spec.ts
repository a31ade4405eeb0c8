import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { EmailChannel } from '../email/email-channel';
import { startDevMailbox } from './dev-mailbox';

describe('dev mailbox', () => {
  let dir: string;

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'rapport-mail-')), 'mail');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('saves every message the email channel sends as an .eml file', async () => {
    const saved: Array<{ path: string; from: string; to: string[] }> = [];
    const mailbox = await startDevMailbox({ dir, onMessage: (m) => saved.push(m) });
    // A login in the URL is accepted too, so a real MARKETING_SMTP_URL shape works unchanged.
    const channel = new EmailChannel({ url: mailbox.url.replace('//', '//dev:dev@'), from: 'Rapport <news@rapport.localhost>' });
    try {
      expect(mailbox.url).toBe(`smtp://127.0.0.1:${mailbox.port}`);
      const results = await Promise.all(
        ['m-1', 'm-2'].map((id, i) =>
          channel.send({
            messageId: id,
            to: `customer${i}@example.com`,
            subject: `Offer ${id}`,
            text: 'Hello',
            html: '<p>Hello</p>',
            unsubscribeUrl: 'https://x.test/u',
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(['SENT', 'SENT']);

      const files = (await readdir(dir)).sort();
      expect(files).toHaveLength(2);
      expect(files.every((f) => /^\d{8}T\d{9}Z-00000[12]-m-[12]\.eml$/.test(f))).toBe(true);
      expect(saved.map((s) => s.to[0]).sort()).toEqual(['customer0@example.com', 'customer1@example.com']);

      const m1 = files.find((f) => f.endsWith('-m-1.eml')) as string;
      const raw = await readFile(join(dir, m1), 'utf8');
      const mail = await simpleParser(raw);
      expect(mail.subject).toBe('Offer m-1');
      expect(mail.messageId).toBe('<m-1@rapport.localhost>');
      expect(mail.html).toBe('<p>Hello</p>');
      expect(raw).toContain('\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
    } finally {
      await channel.close();
      await mailbox.close();
    }
  });
});
