import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { NOTIFICATION_CREATED, STREAMS, type NotificationCreatedV1, type NotificationSnapshotV1 } from '@rapport/contracts';
import type { Logger } from '@rapport/observability';
import { returnedRows } from '@rapport/persistence';
import { ConsumerRegistry, JobQueues, LOGGER, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { Job, Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import type { ServiceConfig } from '../service.env';
import { SupportMailer } from '../support-mail/support-mailer';
import { notificationEmail } from './notification-email';
import { preferencesOf, wantsEmail } from './notification-preferences';

export type NotificationEmailSkip = 'NOT_WANTED' | 'NO_EMAIL' | 'INACTIVE' | 'NO_MAIL_SERVER' | 'BOUNCED' | 'FAILED';

export const NOTIFICATION_EMAIL_QUEUE = 'service-notification-emails';
const ATTEMPTS = 10;

export interface NotificationEmailJob {
  tenantId: string;
  notification: NotificationSnapshotV1;
}

/**
 * Emails each recorded notification to its recipient when they asked for
 * it (notification_preferences), once. The consumer of the service's own
 * `service.notification.created` (inbox-deduplicated) only queues a BullMQ
 * job, whose id is the notification's, so a redelivered event adds nothing.
 * The job decides and sends outside any long transaction (ADR 054): a short
 * one locks the row and records a skip, or finds it due; the send follows
 * with no transaction open; a second short one records `email_sent_at`
 * (or BOUNCED). A slow mail server holds no row lock and no connection, and
 * nothing rolls back after a send. A job that dies between the send and the
 * record sends again with the same Message-ID (`notification-<id>`, the
 * survey's rule, ADR 039): a duplicate the receiving server can recognise,
 * never a lost email. Transient failures are retried with backoff; after
 * the last attempt the row says FAILED.
 */
@Injectable()
export class NotificationEmailConsumer implements OnModuleInit, OnApplicationBootstrap {
  private queue!: Queue<NotificationEmailJob>;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly registry: ConsumerRegistry,
    private readonly jobs: JobQueues,
    private readonly db: ServiceDatabase,
    private readonly mailer: SupportMailer,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.queue = this.jobs.queue<NotificationEmailJob>(NOTIFICATION_EMAIL_QUEUE, {
      attempts: ATTEMPTS,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: 1000,
      removeOnFail: 5000,
    });
    await this.registry.consume(STREAMS.SERVICE, {
      durable: 'service_notification_email',
      eventTypes: [NOTIFICATION_CREATED],
      handler: (event) => this.schedule(event as NotificationCreatedV1),
    });
  }

  onApplicationBootstrap(): void {
    this.jobs.worker<NotificationEmailJob>(NOTIFICATION_EMAIL_QUEUE, (job) => this.deliver(job), {
      concurrency: 4,
      describe: (job) => ({ tenantId: job.data.tenantId, notificationId: job.data.notification.id }),
    });
  }

  /** Queues the email's job; Redis unreachable throws, so the event is redelivered. */
  private async schedule(event: NotificationCreatedV1): Promise<void> {
    const n = event.data?.notification;
    if (!n?.id || !n.recipientId) {
      this.logger.warn({ eventId: event.id }, 'notification.created without a notification; ignored');
      return;
    }
    await this.queue.add('email', { tenantId: event.tenantId, notification: n }, { jobId: `notification-${n.id}` });
  }

  /** One attempt: decide (short transaction), send (none open), record (short transaction). */
  async deliver(job: Job<NotificationEmailJob>): Promise<void> {
    const { tenantId, notification: n } = job.data;
    const due = await this.db.withTenant(tenantId, (em) => this.decide(em, n));
    if (!due) return;
    let status: 'SENT' | 'BOUNCED';
    try {
      status = await this.mailer.send(notificationEmail({ notification: n, ...due, appUrl: this.config.SERVICE_PUBLIC_URL }), {
        kind: 'notification',
        notificationKind: n.kind,
        tenantId,
        notificationId: n.id,
      });
    } catch (err) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await this.db.withTenant(tenantId, (em) => settle(em, n.id, { skipped: 'FAILED' }));
        this.logger.error({ err, tenantId, notificationId: n.id }, 'notification email given up after its last attempt');
      }
      throw err;
    }
    await this.db.withTenant(tenantId, (em) => settle(em, n.id, status === 'BOUNCED' ? { skipped: 'BOUNCED' } : { sent: true }));
  }

  /** Whom to send to, or null after recording why not (or when it is handled already). */
  private async decide(em: EntityManager, n: NotificationSnapshotV1): Promise<{ to: string; caseSubject: string | null } | null> {
    const [row] = returnedRows<{ sent: Date | null; skipped: string | null; requested: boolean }>(
      await em.query(
        `SELECT email_sent_at AS sent, email_skipped AS skipped, email_requested AS requested FROM notifications WHERE id = $1 FOR UPDATE`,
        [n.id],
      ),
    );
    // Gone (a purged case took it) or already handled: nothing to send.
    if (!row || row.sent || row.skipped) return null;
    const skip = (reason: NotificationEmailSkip) => settle(em, n.id, { skipped: reason }).then(() => null);
    // An escalation rule that asks for email overrides the preference (ADR 051); everything else follows it.
    if (!row.requested && !wantsEmail(await preferencesOf(em, n.recipientId), n.kind)) return skip('NOT_WANTED');
    const [user] = returnedRows<{ email: string; active: boolean }>(
      await em.query(`SELECT email, active FROM identity_users WHERE id = $1`, [n.recipientId]),
    );
    if (!user?.email) return skip('NO_EMAIL');
    if (!user.active) return skip('INACTIVE');
    if (!this.mailer.configured) return skip('NO_MAIL_SERVER');
    return { to: user.email, caseSubject: n.caseId ? await caseSubject(em, n.caseId) : null };
  }
}

/** Records the outcome once: a row already settled (a concurrent or repeated run) keeps its first outcome. */
async function settle(em: EntityManager, id: string, outcome: { sent: true } | { skipped: NotificationEmailSkip }): Promise<void> {
  if ('sent' in outcome)
    await em.query(`UPDATE notifications SET email_sent_at = now() WHERE id = $1 AND email_sent_at IS NULL AND email_skipped IS NULL`, [
      id,
    ]);
  else
    await em.query(`UPDATE notifications SET email_skipped = $2 WHERE id = $1 AND email_sent_at IS NULL AND email_skipped IS NULL`, [
      id,
      outcome.skipped,
    ]);
}

async function caseSubject(em: EntityManager, caseId: string): Promise<string | null> {
  const [c] = returnedRows<{ subject: string }>(await em.query(`SELECT subject FROM cases WHERE id = $1`, [caseId]));
  return c?.subject ?? null;
}
