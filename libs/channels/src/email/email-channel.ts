import type { ConnectionOptions } from 'node:tls';
import { createTransport, type SendMailOptions, type Transporter } from 'nodemailer';
import type StreamTransport from 'nodemailer/lib/stream-transport';
import { ChannelConfigurationError } from '../errors';
import { InFlight } from '../in-flight';
import type { Channel, EmailMessage, SendOptions, SendResult } from '../message';
import { emailAddressProblem } from '../validation';
import { composeEmail } from './compose-email';
import { formatFrom, PLAIN_RECIPIENT, prebuiltMail } from './mime-message';
import { parseSender, type Sender } from './sender';
import { classifySmtpFailure, type SmtpFailure } from './smtp-failure';
import { SmtpPool } from './smtp-pool';
import { parseSmtpUrl, redact } from './smtp-url';

export interface EmailChannelOptions {
  /** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (TLS from the start). */
  url: string;
  /** `news@example.com` or `Example News <news@example.com>`. */
  from: string;
  /** Pooled connections kept open to the server; default 5. */
  maxConnections?: number;
  /** Messages per connection before it is replaced; default 100. */
  maxMessagesPerConnection?: number;
  /** Right half of our Message-IDs; default the From address's domain. */
  messageIdDomain?: string;
  /** Fail when the server does not offer STARTTLS (smtp:// only); default false. */
  requireTls?: boolean;
  /** TLS settings such as `ca` for a private certificate authority. */
  tls?: ConnectionOptions;
  /** Milliseconds; defaults 10 s to connect, 10 s for the greeting, 60 s of silence mid-session. */
  timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
}

/**
 * Email over SMTP through a pool of connections (SmtpPool over nodemailer's
 * SMTPConnection, ADR 083). One message,
 * one recipient. Resolves SENT (providerMessageId = the Message-ID we set,
 * `<messageId@domain>`) or BOUNCED (a 5xx refusal of the recipient or the
 * content, with the server's reply); throws TransientChannelError for 4xx
 * replies and connection trouble, ChannelConfigurationError when the server
 * refuses our login, TLS or sender.
 */
export class EmailChannel implements Channel<EmailMessage> {
  readonly kind = 'EMAIL' as const;
  private readonly pool: SmtpPool;
  /** nodemailer's composer, for the rare message `prebuiltMail` does not write (an IDN or UTF-8 address); made on first use. */
  private composer: Transporter<StreamTransport.SentMessageInfo> | null = null;
  private readonly sender: Sender;
  /** The From header as nodemailer would write it, formatted once; null when the sender needs nodemailer's composer. */
  private readonly fromHeader: string | null;
  private readonly inFlight = new InFlight('email channel');
  /** The server, without the password, for messages. */
  readonly server: string;

  constructor(options: EmailChannelOptions) {
    const endpoint = parseSmtpUrl(options.url);
    this.server = redact(new URL(options.url));
    const sender = parseSender(options.from);
    this.sender = options.messageIdDomain === undefined ? sender : { ...sender, domain: options.messageIdDomain };
    this.fromHeader = PLAIN_RECIPIENT.test(sender.address) ? formatFrom(sender.name, sender.address) : null;
    const maxConnections = options.maxConnections ?? 5;
    if (!Number.isInteger(maxConnections) || maxConnections < 1)
      throw new ChannelConfigurationError('maxConnections must be a positive integer');
    this.pool = new SmtpPool({
      ...endpoint,
      maxConnections,
      maxMessages: options.maxMessagesPerConnection ?? 100,
      requireTLS: options.requireTls ?? false,
      tls: options.tls,
      connectionTimeout: options.timeouts?.connectMs ?? 10_000,
      greetingTimeout: options.timeouts?.greetingMs ?? 10_000,
      socketTimeout: options.timeouts?.socketMs ?? 60_000,
    });
  }

  send(message: EmailMessage, options: SendOptions = {}): Promise<SendResult> {
    return this.inFlight.run(async () => {
      const mail: SendMailOptions = composeEmail(message, this.sender);
      const problem = emailAddressProblem(message.to);
      if (problem !== null) return { status: 'BOUNCED', reason: problem, code: 'INVALID_ADDRESS' };
      try {
        const prebuilt = this.fromHeader !== null && PLAIN_RECIPIENT.test(message.to);
        const { from, to, raw } = prebuilt ? this.prebuilt(mail) : await this.composed(mail);
        const info = await this.pool.send({ from, to, raw, signal: options.signal });
        return { status: 'SENT', providerMessageId: mail.messageId as string, response: info.response };
      } catch (err) {
        const outcome = classifySmtpFailure(err as SmtpFailure);
        if (outcome instanceof Error) throw outcome;
        return outcome;
      }
    });
  }

  /** The envelope and text of a message `prebuiltMail` writes (plain ASCII addresses: nearly every one). */
  private prebuilt(mail: SendMailOptions): { from: string; to: string[]; raw: string } {
    const { envelope, raw } = prebuiltMail(mail, this.sender.address, this.fromHeader as string);
    const { from, to } = envelope as { from: string; to: string[] };
    return { from, to, raw: raw as string };
  }

  /** The envelope and text as nodemailer composes them (punycoded domains, encoded names, SMTPUTF8 local parts). */
  private async composed(mail: SendMailOptions): Promise<{ from: string; to: string[]; raw: Buffer }> {
    this.composer ??= createTransport({ streamTransport: true, buffer: true, disableFileAccess: true, disableUrlAccess: true });
    const info = await this.composer.sendMail(mail);
    return { from: info.envelope.from || '', to: info.envelope.to, raw: info.message as Buffer };
  }

  /**
   * Connects and logs in once; for a readiness check or start-up. Throws
   * ChannelConfigurationError (login, TLS) or TransientChannelError (server
   * unreachable).
   */
  async verify(): Promise<void> {
    try {
      await this.pool.verify();
    } catch (err) {
      const outcome = classifySmtpFailure(err as SmtpFailure);
      throw outcome instanceof Error ? outcome : new ChannelConfigurationError(`SMTP server ${this.server} refused: ${outcome.reason}`);
    }
  }

  async close(): Promise<void> {
    await this.inFlight.drain();
    this.pool.close();
  }
}
