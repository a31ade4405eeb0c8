import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EmailChannel, isRetryable, type EmailMessage } from '@rapport/channels';
import { ConfigError } from '@rapport/config';
import type { Logger } from '@rapport/observability';
import { LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import type { ServiceConfig } from '../service.env';

/** Waits before the second and third attempt of a send that failed transiently (SMTP 4xx, network). */
const RETRY_DELAYS_MS = [1_000, 5_000];

/**
 * The service desk's email to customers through libs/channels. Sends run
 * after the work that asked for them has committed, in the background: a
 * slow mail server never holds an SMTP session or a transaction open.
 * Failures are logged with what the mail was about. Tasks under way finish
 * at shutdown.
 */
@Injectable()
export class SupportMailer implements OnApplicationShutdown {
  private channel: EmailChannel | null = null;
  private readonly tasks = new Set<Promise<void>>();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    if (config.SERVICE_SMTP_URL && !config.SERVICE_EMAIL_FROM) {
      throw new ConfigError(['SERVICE_EMAIL_FROM is required when SERVICE_SMTP_URL is set']);
    }
  }

  get configured(): boolean {
    return this.config.SERVICE_SMTP_URL !== '';
  }

  /** The domain of our Message-IDs: mail coming back with one is our own (a loop). */
  get messageIdDomain(): string | null {
    const from = this.config.SERVICE_EMAIL_FROM;
    const at = from.lastIndexOf('@');
    return at < 0
      ? null
      : from
          .slice(at + 1)
          .replace(/>.*$/, '')
          .trim()
          .toLowerCase();
  }

  /** Sends after the caller has answered, retrying transient failures; never throws. */
  sendInBackground(message: EmailMessage, label: Record<string, unknown>): void {
    if (!this.configured) {
      this.logger.warn(label, 'no service email sent: SERVICE_SMTP_URL is not set');
      return;
    }
    const task = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.send(message, label).then(() => undefined))
      .catch((err: unknown) => this.logger.error({ err, ...label }, 'service email failed'))
      .finally(() => this.tasks.delete(task));
    this.tasks.add(task);
  }

  /**
   * Sends now, retrying transient failures a few times; resolves with what
   * the mail server said (BOUNCED: refused for good). Throws when it could
   * not be sent at all, so a caller with its own retries (a consumer) retries.
   */
  async send(message: EmailMessage, label: Record<string, unknown>): Promise<'SENT' | 'BOUNCED'> {
    this.channel ??= new EmailChannel({ url: this.config.SERVICE_SMTP_URL, from: this.config.SERVICE_EMAIL_FROM, maxConnections: 2 });
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.channel.send(message);
        if (result.status === 'BOUNCED') this.logger.warn({ ...label, reason: result.reason, code: result.code }, 'service email bounced');
        else this.logger.info({ ...label, messageId: message.messageId }, 'service email sent');
        return result.status;
      } catch (err) {
        if (!isRetryable(err) || attempt >= RETRY_DELAYS_MS.length) throw err;
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  /** Lets the sends under way finish, then closes the SMTP pool. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.tasks]);
    await this.channel?.close();
  }
}
