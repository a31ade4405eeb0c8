import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { NOTIFICATION_CREATED, STREAMS, type NotificationCreatedV1 } from '@rapport/contracts';
import type { Logger } from '@rapport/observability';
import { returnedRows } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import type { ServiceConfig } from '../service.env';
import { SupportMailer } from '../support-mail/support-mailer';
import { notificationEmail } from './notification-email';
import { preferencesOf, wantsEmail } from './notification-preferences';

export type NotificationEmailSkip = 'NOT_WANTED' | 'NO_EMAIL' | 'INACTIVE' | 'NO_MAIL_SERVER' | 'BOUNCED';

/**
 * Emails each recorded notification to its recipient when they asked for
 * it (notification_preferences), once: the consumer reads its own
 * `service.notification.created` events (inbox-deduplicated), locks the
 * notification's row and sends only while it has neither `email_sent_at`
 * nor `email_skipped`. The address is identity's, from this service's
 * projection of identity's users. The send happens before the inbox commit,
 * so a crash in between sends again with the same Message-ID rather than
 * never (the survey's rule, ADR 039).
 */
@Injectable()
export class NotificationEmailConsumer implements OnModuleInit {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly registry: ConsumerRegistry,
    private readonly mailer: SupportMailer,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.registry.consume(STREAMS.SERVICE, {
      durable: 'service_notification_email',
      eventTypes: [NOTIFICATION_CREATED],
      handler: (event, em) => this.deliver(em, event as NotificationCreatedV1),
    });
  }

  private async deliver(em: EntityManager, event: NotificationCreatedV1): Promise<void> {
    const n = event.data?.notification;
    if (!n?.id || !n.recipientId) {
      this.logger.warn({ eventId: event.id }, 'notification.created without a notification; ignored');
      return;
    }
    const [row] = returnedRows<{ sent: Date | null; skipped: string | null; requested: boolean }>(
      await em.query(
        `SELECT email_sent_at AS sent, email_skipped AS skipped, email_requested AS requested FROM notifications WHERE id = $1 FOR UPDATE`,
        [n.id],
      ),
    );
    // Gone (a purged case took it) or already handled: nothing to send.
    if (!row || row.sent || row.skipped) return;
    const skip = (reason: NotificationEmailSkip) =>
      em.query(`UPDATE notifications SET email_skipped = $2 WHERE id = $1`, [n.id, reason]).then(() => undefined);
    // An escalation rule that asks for email overrides the preference (ADR 051); everything else follows it.
    if (!row.requested && !wantsEmail(await preferencesOf(em, n.recipientId), n.kind)) return skip('NOT_WANTED');
    const [user] = returnedRows<{ email: string; active: boolean }>(
      await em.query(`SELECT email, active FROM identity_users WHERE id = $1`, [n.recipientId]),
    );
    if (!user?.email) return skip('NO_EMAIL');
    if (!user.active) return skip('INACTIVE');
    if (!this.mailer.configured) return skip('NO_MAIL_SERVER');
    const caseSubject = n.caseId ? await this.caseSubject(em, n.caseId) : null;
    const status = await this.mailer.send(
      notificationEmail({ notification: n, to: user.email, caseSubject, appUrl: this.config.SERVICE_PUBLIC_URL }),
      { kind: 'notification', notificationKind: n.kind, tenantId: event.tenantId, notificationId: n.id },
    );
    if (status === 'BOUNCED') return skip('BOUNCED');
    await em.query(`UPDATE notifications SET email_sent_at = now() WHERE id = $1`, [n.id]);
  }

  private async caseSubject(em: EntityManager, caseId: string): Promise<string | null> {
    const [c] = returnedRows<{ subject: string }>(await em.query(`SELECT subject FROM cases WHERE id = $1`, [caseId]));
    return c?.subject ?? null;
  }
}
