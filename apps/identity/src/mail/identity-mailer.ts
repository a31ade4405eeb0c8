import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EmailChannel, isRetryable } from '@rapport/channels';
import { ConfigError } from '@rapport/config';
import type { Logger } from '@rapport/observability';
import { LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { IdentityConfig } from '../identity.env';
import type { AccountEmail } from './account-emails';

/** Waits before the second and third attempt of a send that failed transiently (SMTP 4xx, network). */
const RETRY_DELAYS_MS = [1_000, 5_000];

/** What a background task is about, for the log (never a token or a link). */
export interface TaskLabel {
  kind: 'invitation' | 'password-reset';
  tenantId?: string;
  [key: string]: unknown;
}

/**
 * Identity's email (invitations, password resets) through libs/channels,
 * and the background tasks that send it. Work that sends mail runs after the
 * answer: a reset request then answers the same, in the same time, whether
 * or not the account exists (ADR 027), and a slow mail server slows no
 * mutation. The tasks are awaited at shutdown. A task lost to a crash loses
 * one email: the link's holder asks again (the token lives only in memory,
 * never in a table or a queue).
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

  /** Sends one email, retrying transient failures; a bounce or a configuration error is logged, not retried. */
  async send(to: string, email: AccountEmail, label: TaskLabel): Promise<void> {
    if (!this.configured) return this.warnNotConfigured(label);
    this.channel ??= new EmailChannel({ url: this.config.IDENTITY_SMTP_URL, from: this.config.IDENTITY_EMAIL_FROM, maxConnections: 2 });
    const messageId = uuidv7();
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.channel.send({
          messageId,
          to,
          subject: email.subject,
          text: email.text,
          html: email.html,
          metadata: { kind: label.kind, ...(label.tenantId ? { tenant: label.tenantId } : {}) },
        });
        if (result.status === 'BOUNCED')
          this.logger.warn({ ...label, messageId, reason: result.reason, code: result.code }, 'account email bounced');
        else this.logger.info({ ...label, messageId }, 'account email sent');
        return;
      } catch (err) {
        if (!isRetryable(err) || attempt >= RETRY_DELAYS_MS.length) throw err;
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  /** Lets the tasks under way finish (their retries included), then closes the SMTP pool. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.tasks]);
    await this.channel?.close();
  }
}
