import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CASE_RESOLVED, STREAMS, type CaseResolvedV1 } from '@rapport/contracts';
import { ConsumerRegistry, SERVICE_CONFIG } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { slugOfTenant } from '../inbound-email/inbound-mailboxes';
import { replyAddress } from '../inbound-email/support-address';
import { recordSurveySent, recordSurveySkipped, type SurveySkipReason } from '../satisfaction/survey-outcome';
import type { ServiceConfig } from '../service.env';
import { SupportMailer } from '../support-mail/support-mailer';
import { surveyEmail } from './survey-email';
import { SurveyLinks } from './survey-links';

interface RequestRow {
  id: string;
  contactId: string;
  sentAt: Date | null;
  skipped: string | null;
  subject: string;
}

/**
 * Emails the satisfaction survey of each resolution, once: on
 * service.case.resolved (this service's own stream, inbox-deduplicated) it
 * takes the request that resolution made (same time), and sends it to the
 * contact's first address unless the contact opted out of service email, has
 * no address, or no mail server is configured — the reason is kept on the
 * request (`survey_skipped`). The send happens before the inbox commit, so
 * a crash in between sends again (same Message-ID) rather than never.
 */
@Injectable()
export class SurveySenderConsumer implements OnModuleInit {
  constructor(
    private readonly registry: ConsumerRegistry,
    private readonly mailer: SupportMailer,
    private readonly links: SurveyLinks,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.registry.consume(STREAMS.SERVICE, {
      durable: 'service_satisfaction_survey',
      eventTypes: [CASE_RESOLVED],
      handler: (event, em) => this.survey(em, event as CaseResolvedV1),
    });
  }

  private async survey(em: EntityManager, event: CaseResolvedV1): Promise<void> {
    const [request]: RequestRow[] = await em.query(
      `SELECT r.id, r.contact_id AS "contactId", r.survey_sent_at AS "sentAt", r.survey_skipped AS skipped, c.subject
         FROM satisfaction_requests r JOIN cases c ON c.id = r.case_id
        WHERE r.case_id = $1 AND r.requested_at = $2 FOR UPDATE OF r`,
      [event.subjectId, event.data.resolvedAt],
    );
    if (!request || request.sentAt || request.skipped) return;
    const skip = (reason: SurveySkipReason) => recordSurveySkipped(em, request.id, reason);
    const [consent]: { status: string }[] = await em.query(`SELECT status FROM service_email_consents WHERE contact_id = $1`, [
      request.contactId,
    ]);
    if (consent?.status === 'OPTED_OUT') return void (await skip('NO_CONSENT'));
    const [address]: { email: string }[] = await em.query(
      `SELECT email FROM customer_contact_emails WHERE contact_id = $1 ORDER BY position LIMIT 1`,
      [request.contactId],
    );
    if (!address) return void (await skip('NO_EMAIL'));
    if (!this.mailer.configured) return void (await skip('NO_MAIL_SERVER'));
    const link = { tenantId: event.tenantId, requestId: request.id };
    const replyTo = await this.replyAddress(em, event.subjectId);
    const status = await this.mailer.send(
      surveyEmail({
        messageId: request.id,
        to: address.email,
        subject: request.subject,
        linkFor: (r) => this.links.url(link, r),
        replyTo,
      }),
      { kind: 'satisfaction-survey', tenantId: event.tenantId, caseId: event.subjectId, requestId: request.id },
    );
    if (status === 'BOUNCED') return void (await skip('BOUNCED'));
    await recordSurveySent(em, request.id);
  }

  /** A case that came in by email keeps its thread: the survey's Reply-To is the case's reply address. */
  private async replyAddress(em: EntityManager, caseId: string): Promise<string | null> {
    const domain = this.config.SERVICE_INBOUND_EMAIL_DOMAIN;
    if (!domain) return null;
    const [token]: { token: string }[] = await em.query(`SELECT token FROM case_reply_tokens WHERE case_id = $1`, [caseId]);
    const slug = token ? await slugOfTenant(em) : null;
    return token && slug ? replyAddress(slug, domain, token.token) : null;
  }
}
