import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EmailChannel } from '@rapport/channels';
import { ConfigError } from '@rapport/config';
import type { Logger } from '@rapport/observability';
import { LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import type { IdentityConfig } from '../identity.env';
import type { AccountEmail } from './account-emails';

/** What a background task is about, for the log (never a token or a link). */
export interface TaskLabel {
  kind: 'invitation' | 'password-reset';
  tenantId?: string;
  [key: string]: unknown;
}

/**
 * Identity's email (invitations, password resets) through libs/channels.
 * The sending itself is durable work (AccountEmails, a BullMQ job per link,
 * ADR 054); what still runs in the background here is the half of a reset
 * request that comes after its answer (ADR 027: the answer and its timing
 * are the same for every address). Those tasks are awaited at shutdown.
 */
@Injectable()
export class IdentityMailer implements OnApplicationShutdown {
  private channel: EmailChannel | null = null;
  private readonly tasks = new Set<Promise<void>>();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    if (config.IDENTITY_SMTP_URL && !config.IDENTITY_EMAIL_FROM) {
      throw new ConfigError(['IDENTITY_EMAIL_FROM is required when IDENTITY_SMTP_URL is set']);
    }
  }

  get configured(): boolean {
    return this.config.IDENTITY_SMTP_URL !== '';
  }

  /** Runs `work` after the caller has answered; failures are logged with `label`, never thrown. */
  runInBackground(label: TaskLabel, work: () => Promise<void>): void {
    const task = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((err: unknown) => this.logger.error({ err, ...label }, 'account email task failed'))
      .finally(() => this.tasks.delete(task));
    this.tasks.add(task);
  }

  /** Logs that an email was due but identity has no mail server to send it through. */
  warnNotConfigured(label: TaskLabel): void {
    this.logger.warn(label, 'no account email sent: IDENTITY_SMTP_URL is not set');
  }

  /**
   * One attempt at one email; throws what the channel throws (a transient
   * failure is a ChannelError with `retryable`), so the job decides about
   * retries. The Message-ID is the caller's, the same on every attempt.
   */
  async sendOnce(
    messageId: string,
    to: string,
    email: AccountEmail,
    label: TaskLabel,
  ): Promise<{ status: 'SENT' | 'BOUNCED'; reason?: string }> {
    this.channel ??= new EmailChannel({ url: this.config.IDENTITY_SMTP_URL, from: this.config.IDENTITY_EMAIL_FROM, maxConnections: 2 });
    const result = await this.channel.send({
      messageId,
      to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      metadata: { kind: label.kind, ...(label.tenantId ? { tenant: label.tenantId } : {}) },
    });
    if (result.status === 'BOUNCED') {
      this.logger.warn({ ...label, messageId, reason: result.reason, code: result.code }, 'account email bounced');
      return { status: 'BOUNCED', reason: result.reason };
    }
    this.logger.info({ ...label, messageId }, 'account email sent');
    return { status: 'SENT' };
  }

  /** Lets the tasks under way finish, then closes the SMTP pool. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.tasks]);
    await this.channel?.close();
  }
}
