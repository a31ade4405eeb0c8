import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { waitUntil } from './wait';

export interface SmtpSinkOptions {
  /** Require this login (AUTH PLAIN/LOGIN, allowed without TLS); without it any client may send. */
  auth?: { user: string; pass: string };
  /**
   * TLS from the first byte (an smtps:// URL) with smtp-server's built-in
   * test certificate, which no client trusts: connect with
   * `tls: { rejectUnauthorized: false }`. Without it the sink speaks plain
   * SMTP and offers no STARTTLS.
   */
  secure?: boolean;
  /** Milliseconds to sit on each message before answering DATA, to make concurrency visible. */
  dataDelayMs?: number;
}

/** One message as the sink received it. */
export interface ReceivedEmail {
  /** SMTP envelope: MAIL FROM and RCPT TO addresses. */
  envelope: { from: string; to: string[] };
  /** The message exactly as sent (RFC 5322 text). */
  raw: string;
  /** mailparser's reading of it: text, html, attachments, structured headers. */
  parsed: ParsedMail;
  /** Whether the session was encrypted and which login it used. */
  secure: boolean;
  user: string | undefined;
  /**
   * A header's value as written, unfolded (`header('list-unsubscribe')` →
   * `<https://…>`); undefined when absent. Case-insensitive.
   */
  header(name: string): string | undefined;
}

export type Rejection = 'permanent' | 'temporary';

/**
 * A real SMTP server (smtp-server) on a free local port that keeps what it
 * receives, for tests that send mail:
 *
 *   const sink = await SmtpSink.start();
 *   const channel = new EmailChannel({ url: sink.url, from: 'news@rapport.test' });
 *   sink.rejectRecipient('gone@example.com', 'permanent'); // 550 at RCPT TO
 *   …send…
 *   const [mail] = await sink.waitForMessages(1);
 *   await sink.close();
 */
export class SmtpSink {
  /** Everything received so far, in arrival order. */
  readonly messages: ReceivedEmail[] = [];
  /** What the server reported about client connections, such as a TLS handshake a client gave up on. */
  readonly errors: Error[] = [];
  private readonly server: SMTPServer;
  private readonly rejections = new Map<string, Rejection>();
  private readonly events = new EventEmitter();
  private openSessions = 0;
  private peakSessions = 0;

  private constructor(private readonly options: SmtpSinkOptions) {
    const auth = options.auth;
    this.server = new SMTPServer({
      logger: false,
      secure: options.secure ?? false,
      disabledCommands: options.secure ? [] : ['STARTTLS'],
      authOptional: auth === undefined,
      allowInsecureAuth: true,
      disableReverseLookup: true,
      onAuth: (login, _session, callback) => {
        if (auth !== undefined && login.username === auth.user && login.password === auth.pass)
          return callback(null, { user: login.username });
        callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
      },
      onConnect: (_session, callback) => {
        this.openSessions += 1;
        this.peakSessions = Math.max(this.peakSessions, this.openSessions);
        callback();
      },
      onClose: () => {
        this.openSessions -= 1;
      },
      onRcptTo: (address, _session, callback) => callback(this.verdict(address)),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          setTimeout(() => {
            this.receive(Buffer.concat(chunks), session).then(
              () => callback(null, `2.0.0 Ok: queued as ${session.id}`),
              (err: Error) => callback(smtpError(451, `4.3.0 sink could not parse the message: ${err.message}`)),
            );
          }, options.dataDelayMs ?? 0);
        });
      },
    });
    this.server.on('error', (err: Error) => this.errors.push(err));
  }

  static async start(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
    const sink = new SmtpSink(options);
    await new Promise<void>((resolve, reject) => {
      sink.server.server.once('error', reject);
      sink.server.listen(0, '127.0.0.1', () => resolve());
    });
    return sink;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  /** smtp://[user:pass@]127.0.0.1:port (smtps:// when secure), ready for EmailChannel. */
  get url(): string {
    const { auth, secure } = this.options;
    const login = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '';
    return `${secure ? 'smtps' : 'smtp'}://${login}127.0.0.1:${this.port}`;
  }

  /**
   * Refuses mail to this address at RCPT TO: permanently (550 5.1.1, a hard
   * bounce) or temporarily (451 4.2.1, try again later) until acceptRecipient.
   */
  rejectRecipient(address: string, rejection: Rejection): this {
    this.rejections.set(address.toLowerCase(), rejection);
    return this;
  }

  acceptRecipient(address: string): this {
    this.rejections.delete(address.toLowerCase());
    return this;
  }

  /** Resolves with the first `count` messages once they are in; fails after `timeoutMs` saying what did arrive. */
  async waitForMessages(count: number, timeoutMs = 5000): Promise<ReceivedEmail[]> {
    await waitUntil(
      this.events,
      'message',
      () => this.messages.length >= count,
      timeoutMs,
      () => {
        const to = this.messages.map((m) => m.envelope.to.join(',')).join('; ') || 'nothing';
        return `SMTP sink received ${this.messages.length} of ${count} messages within ${timeoutMs} ms (to: ${to})`;
      },
    );
    return this.messages.slice(0, count);
  }

  /** The first message to this recipient, waiting for it if need be. */
  async waitForMessageTo(address: string, timeoutMs = 5000): Promise<ReceivedEmail> {
    const find = (): ReceivedEmail | undefined =>
      this.messages.find((m) => m.envelope.to.some((to) => to.toLowerCase() === address.toLowerCase()));
    await waitUntil(
      this.events,
      'message',
      () => find() !== undefined,
      timeoutMs,
      () => `SMTP sink received no message to ${address} within ${timeoutMs} ms`,
    );
    return find() as ReceivedEmail;
  }

  /** Most SMTP sessions that were open at the same time (a pool's connections). */
  get maxConcurrentSessions(): number {
    return this.peakSessions;
  }

  /** Forgets received messages, errors, rejections and the session peak. */
  reset(): void {
    this.messages.length = 0;
    this.errors.length = 0;
    this.rejections.clear();
    this.peakSessions = this.openSessions;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private verdict(address: SMTPServerAddress): Error | null {
    const rejection = this.rejections.get(address.address.toLowerCase());
    if (rejection === 'permanent') return smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: User unknown`);
    if (rejection === 'temporary') return smtpError(451, `4.2.1 <${address.address}>: Mailbox temporarily unavailable, try again later`);
    return null;
  }

  private async receive(raw: Buffer, session: SMTPServerSession): Promise<void> {
    const parsed = await simpleParser(raw);
    const { mailFrom, rcptTo } = session.envelope;
    this.messages.push({
      envelope: { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) },
      raw: raw.toString('utf8'),
      parsed,
      secure: session.secure,
      user: session.user as string | undefined,
      header: (name) => headerValue(parsed, name),
    });
    this.events.emit('message');
  }
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

function headerValue(parsed: ParsedMail, name: string): string | undefined {
  const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  if (line === undefined) return undefined;
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n(?=[ \t])/g, '')
    .trim();
}
