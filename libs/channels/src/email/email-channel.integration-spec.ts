import { createServer, type AddressInfo, type Socket } from 'node:net';
import { ChannelConfigurationError, TransientChannelError } from '../errors';
import type { EmailMessage } from '../message';
import { SmtpSink } from '../testing';
import { EmailChannel } from './email-channel';

const FROM = 'Rapport News <news@mail.rapport.test>';

function message(n: number, change: Partial<EmailMessage> = {}): EmailMessage {
  return {
    messageId: `0190f5a4-7c1e-7b3a-9d2e-${String(n).padStart(12, '0')}`,
    to: `customer${n}@example.com`,
    subject: `Spring offer ${n}`,
    text: `Hello customer ${n}`,
    html: `<p>Hello <b>customer ${n}</b></p>`,
    ...change,
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('EmailChannel against a real SMTP server', () => {
  let sink: SmtpSink;
  let channel: EmailChannel;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    channel = new EmailChannel({ url: sink.url, from: FROM, maxConnections: 2 });
  });
  afterEach(() => sink.reset());
  afterAll(async () => {
    await channel.close();
    await sink.close();
  });

  it('delivers a multipart text and HTML message whose Message-ID carries our id', async () => {
    const sent = message(1, { metadata: { tenant: 't-1', campaign: 'c-7' }, headers: { 'Feedback-ID': 'c-7:t-1:rapport' } });
    const result = await channel.send(sent);

    const [mail] = await sink.waitForMessages(1);
    expect(result).toEqual({
      status: 'SENT',
      providerMessageId: `<${sent.messageId}@mail.rapport.test>`,
      response: expect.stringMatching(/^250 2\.0\.0 Ok: queued as /),
    });
    expect(mail.envelope).toEqual({ from: 'news@mail.rapport.test', to: ['customer1@example.com'] });
    expect(mail.parsed.messageId).toBe(`<${sent.messageId}@mail.rapport.test>`);
    expect(mail.parsed.from?.value).toEqual([{ name: 'Rapport News', address: 'news@mail.rapport.test' }]);
    expect(mail.parsed.subject).toBe('Spring offer 1');
    expect(mail.header('content-type')).toMatch(/^multipart\/alternative; boundary=/);
    expect(mail.parsed.text?.trim()).toBe('Hello customer 1');
    expect(mail.parsed.html).toBe('<p>Hello <b>customer 1</b></p>');
    expect(mail.header('x-rapport-message-id')).toBe(sent.messageId);
    expect(mail.header('x-rapport-meta-tenant')).toBe('t-1');
    expect(mail.header('x-rapport-meta-campaign')).toBe('c-7');
    expect(mail.header('feedback-id')).toBe('c-7:t-1:rapport');
    expect(mail.header('list-unsubscribe')).toBeUndefined();
  });

  it('sends a single text/plain part when there is no HTML', async () => {
    await channel.send(message(2, { html: undefined, subject: 'Grüße aus Köln' }));
    const [mail] = await sink.waitForMessages(1);
    expect(mail.header('content-type')).toMatch(/^text\/plain/);
    expect(mail.parsed.subject).toBe('Grüße aus Köln');
    expect(mail.parsed.html).toBe(false);
  });

  it('adds List-Unsubscribe and the RFC 8058 one-click header', async () => {
    await channel.send(message(3, { unsubscribeUrl: 'https://rapport.test/unsubscribe/tok-3' }));
    const [mail] = await sink.waitForMessages(1);
    expect(mail.header('list-unsubscribe')).toBe('<https://rapport.test/unsubscribe/tok-3>');
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  });

  it('reports a 550 at RCPT TO as BOUNCED with the server reason, and sends nothing', async () => {
    sink.rejectRecipient('customer4@example.com', 'permanent');
    const result = await channel.send(message(4));
    expect(result).toEqual({
      status: 'BOUNCED',
      reason: '550 5.1.1 <customer4@example.com>: Recipient address rejected: User unknown',
      code: '550 5.1.1',
    });
    expect(sink.messages).toHaveLength(0);
  });

  it('throws a transient error on 451, and the retry goes through once the server accepts again', async () => {
    sink.rejectRecipient('customer5@example.com', 'temporary');
    const err = await failure(channel.send(message(5)));
    expect(err).toBeInstanceOf(TransientChannelError);
    expect(err).toMatchObject({ code: '451 4.2.1', retryable: true });
    expect(err.message).toMatch(/RCPT TO: 451 4\.2\.1 <customer5@example\.com>: Mailbox temporarily unavailable/);

    sink.acceptRecipient('customer5@example.com');
    await expect(channel.send(message(5))).resolves.toMatchObject({ status: 'SENT' });
    expect(await sink.waitForMessages(1)).toHaveLength(1);
  });

  it('sends to an internationalised domain as nodemailer composes it (its envelope, SMTPUTF8)', async () => {
    await expect(channel.send(message(7, { to: 'kunde@bücher.example' }))).resolves.toMatchObject({ status: 'SENT' });
    const [mail] = await sink.waitForMessages(1);
    expect(mail.envelope).toEqual({ from: 'news@mail.rapport.test', to: ['kunde@bücher.example'] });
    expect(mail.parsed.messageId).toBe('<0190f5a4-7c1e-7b3a-9d2e-000000000007@mail.rapport.test>');
    expect(mail.parsed.text?.trim()).toBe('Hello customer 7');
  });

  it('bounces an address that cannot exist without contacting the server', async () => {
    await expect(channel.send(message(6, { to: 'customer6.example.com' }))).resolves.toEqual({
      status: 'BOUNCED',
      reason: 'not an email address: "customer6.example.com"',
      code: 'INVALID_ADDRESS',
    });
    expect(sink.messages).toHaveLength(0);
  });
});

describe('EmailChannel connection pool', () => {
  it('sends many messages in parallel over at most maxConnections connections', async () => {
    const sink = await SmtpSink.start({ dataDelayMs: 40 });
    const channel = new EmailChannel({ url: sink.url, from: FROM, maxConnections: 3 });
    try {
      const batch = Array.from({ length: 15 }, (_, i) => message(100 + i));
      const results = await Promise.all(batch.map((m) => channel.send(m)));

      expect(results.every((r) => r.status === 'SENT')).toBe(true);
      const received = await sink.waitForMessages(15);
      expect(new Set(received.map((m) => m.header('x-rapport-message-id')))).toEqual(new Set(batch.map((m) => m.messageId)));
      expect(sink.maxConcurrentSessions).toBeLessThanOrEqual(3);
      expect(sink.maxConcurrentSessions).toBeGreaterThan(1);
    } finally {
      await channel.close();
      await sink.close();
    }
  });

  it('lets sends in flight finish on close and refuses new ones as transient', async () => {
    const sink = await SmtpSink.start({ dataDelayMs: 150 });
    const channel = new EmailChannel({ url: sink.url, from: FROM });
    try {
      const inFlight = channel.send(message(200));
      const closed = channel.close();
      const late = await failure(channel.send(message(201)));
      expect(late).toBeInstanceOf(TransientChannelError);
      expect(late).toMatchObject({ code: 'CHANNEL_CLOSED' });
      await expect(inFlight).resolves.toMatchObject({ status: 'SENT' });
      await closed;
      expect(sink.messages.map((m) => m.envelope.to)).toEqual([['customer200@example.com']]);
    } finally {
      await sink.close();
    }
  });
});

describe('EmailChannel login, TLS and connection failures', () => {
  it('logs in with the credentials from the URL, and blames the configuration for wrong ones', async () => {
    const sink = await SmtpSink.start({ auth: { user: 'mailer', pass: 's3cret/+=' } });
    const good = new EmailChannel({ url: sink.url, from: FROM });
    const bad = new EmailChannel({ url: sink.url.replace('s3cret', 'wrong'), from: FROM });
    try {
      await good.verify();
      await expect(good.send(message(300))).resolves.toMatchObject({ status: 'SENT' });
      expect((await sink.waitForMessages(1))[0].user).toBe('mailer');

      const onVerify = await failure(bad.verify());
      expect(onVerify).toBeInstanceOf(ChannelConfigurationError);
      expect(onVerify.message).toMatch(/^SMTP AUTH (PLAIN|LOGIN) failed: 535 5\.7\.8 Authentication credentials invalid/);
      expect(await failure(bad.send(message(301)))).toBeInstanceOf(ChannelConfigurationError);
      expect(sink.messages).toHaveLength(1);
    } finally {
      await Promise.all([good.close(), bad.close()]);
      await sink.close();
    }
  });

  it('speaks implicit TLS for smtps:// URLs', async () => {
    const sink = await SmtpSink.start({ secure: true });
    // The sink's built-in certificate is self-signed: trusting it is the test's choice, not the default.
    const trusting = new EmailChannel({ url: sink.url, from: FROM, tls: { rejectUnauthorized: false } });
    const strict = new EmailChannel({ url: sink.url, from: FROM });
    try {
      expect(sink.url).toMatch(/^smtps:\/\//);
      await expect(trusting.send(message(400))).resolves.toMatchObject({ status: 'SENT' });
      expect((await sink.waitForMessages(1))[0].secure).toBe(true);
      expect(await failure(strict.verify())).toBeInstanceOf(ChannelConfigurationError);
    } finally {
      await Promise.all([trusting.close(), strict.close()]);
      await sink.close();
    }
  });

  it('refuses to send in clear text when TLS is required and the server offers no STARTTLS', async () => {
    const sink = await SmtpSink.start();
    const channel = new EmailChannel({ url: sink.url, from: FROM, requireTls: true });
    try {
      expect(await failure(channel.send(message(500)))).toBeInstanceOf(ChannelConfigurationError);
      expect(sink.messages).toHaveLength(0);
    } finally {
      await channel.close();
      await sink.close();
    }
  });

  it('makes an unreachable server and a silent one transient', async () => {
    const gone = await SmtpSink.start();
    const closedPort = gone.port;
    await gone.close();
    const silent = await listenSilently();
    const unreachable = new EmailChannel({ url: `smtp://127.0.0.1:${closedPort}`, from: FROM });
    const stalled = new EmailChannel({
      url: `smtp://127.0.0.1:${silent.port}`,
      from: FROM,
      timeouts: { greetingMs: 300 },
    });
    try {
      const refused = await failure(unreachable.send(message(600)));
      expect(refused).toBeInstanceOf(TransientChannelError);
      expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
      expect(await failure(unreachable.verify())).toBeInstanceOf(TransientChannelError);

      const timedOut = await failure(stalled.send(message(601)));
      expect(timedOut).toBeInstanceOf(TransientChannelError);
      expect(timedOut).toMatchObject({ code: 'ETIMEDOUT' });
    } finally {
      await Promise.all([unreachable.close(), stalled.close()]);
      await silent.close();
    }
  });
});

/** A TCP server that accepts connections and never says a word (no SMTP greeting). */
async function listenSilently(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
