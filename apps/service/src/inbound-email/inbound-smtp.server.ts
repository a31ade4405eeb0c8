import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@rapport/observability';
import { LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { ServiceConfig } from '../service.env';
import { InboundEmailService } from './inbound-email.service';
import { parseInbound } from './parse-inbound';
import { loadSmtpTls } from './smtp-tls';

/**
 * The inbound SMTP endpoint (smtp-server), on when SERVICE_INBOUND_EMAIL_DOMAIN
 * is set. It takes mail only for the tenants' support mailboxes (anything
 * else is refused at RCPT TO, so it can never relay), without login (it is
 * the last hop: an MTA or the sender's server delivers to it), refuses
 * messages over SERVICE_INBOUND_MAX_MESSAGE_BYTES, and answers DATA only
 * once the message is recorded: a failure is a 451 the sender retries.
 * It offers STARTTLS with the configured certificate (see loadSmtpTls).
 */
@Injectable()
export class InboundSmtpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: SMTPServer | null = null;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly inbound: InboundEmailService,
  ) {}

  /** The port it listens on (the real one when configured as 0); null when off. */
  get port(): number | null {
    return this.server ? (this.server.server.address() as AddressInfo).port : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.inbound.enabled) return;
    const maxBytes = this.config.SERVICE_INBOUND_MAX_MESSAGE_BYTES;
    // Checked before listening: a bad certificate stops the start rather than every sender's handshake.
    const tls = loadSmtpTls(this.config.SERVICE_INBOUND_SMTP_TLS_KEY_FILE, this.config.SERVICE_INBOUND_SMTP_TLS_CERT_FILE);
    const server = new SMTPServer({
      logger: false,
      name: this.config.SERVICE_INBOUND_EMAIL_DOMAIN,
      banner: 'Rapport support mail',
      // STARTTLS is offered, not required: MTAs deliver in plain text to a server that lacks it, so refusing would lose mail.
      disabledCommands: ['AUTH'],
      ...(tls ? { key: tls.key, cert: tls.cert } : {}),
      authOptional: true,
      disableReverseLookup: true,
      size: maxBytes,
      onRcptTo: (address, _session, callback) => {
        this.inbound.mailboxOf(address.address).then(
          (mailbox) => callback(mailbox ? null : smtpError(550, `5.1.1 <${address.address}>: no such support mailbox`)),
          (err: unknown) => {
            this.logger.error({ err }, 'inbound SMTP: mailbox lookup failed');
            callback(smtpError(451, '4.3.0 temporary failure, try again later'));
          },
        );
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (stream.sizeExceeded) return callback(smtpError(552, `5.3.4 message larger than ${maxBytes} bytes`));
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          };
          this.take(Buffer.concat(chunks), envelope).then(
            (answer) => callback(null, answer),
            (err: unknown) => {
              this.logger.error({ err }, 'inbound SMTP: message not recorded');
              callback(smtpError(451, '4.3.0 the message could not be recorded, try again later'));
            },
          );
        });
      },
    });
    server.on('error', (err: Error) => this.logger.warn({ err }, 'inbound SMTP session error'));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.config.SERVICE_INBOUND_SMTP_PORT, this.config.SERVICE_INBOUND_SMTP_HOST, () => resolve());
    });
    this.server = server;
    this.logger.info(
      {
        port: this.port,
        domain: this.config.SERVICE_INBOUND_EMAIL_DOMAIN,
        starttls: tls ? 'configured certificate' : 'built-in self-signed (dev)',
      },
      'inbound SMTP endpoint listening',
    );
  }

  /** One delivery per support mailbox named in the envelope (each may be another tenant's). */
  private async take(raw: Buffer, envelope: { from: string; to: string[] }): Promise<string> {
    const outcomes: string[] = [];
    for (const to of new Set(envelope.to.map((a) => a.toLowerCase()))) {
      const message = await parseInbound(raw, { from: envelope.from, to: [to] });
      const outcome = await this.inbound.ingest(message, 'SMTP');
      outcomes.push(outcome.status === 'REJECTED' ? `${to}: ${outcome.reason}` : `${to}: ${outcome.status} ${outcome.inboundEmailId}`);
    }
    return `2.0.0 Ok: ${outcomes.join('; ')}`;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}
