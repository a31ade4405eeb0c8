import { Inject, Injectable } from '@nestjs/common';
import { conflict, notFound, type Principal } from '@rapport/auth';
import { AccessPolicy, describeAudit, SERVICE_CONFIG, ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { requireCaseWork } from '../access/service-access';
import type { CaseEntity } from '../cases/case.entity';
import { CasesService } from '../cases/cases.service';
import type { ServiceConfig } from '../service.env';
import { SupportMailer } from '../support-mail/support-mailer';
import { acknowledgement } from './acknowledgement';
import { slugOfTenant, tokenOfCase } from './inbound-mailboxes';
import { EMAIL_COLUMNS, type InboundEmailView } from './inbound-email-reads.service';
import { newReplyToken, replyAddress } from './support-address';

/**
 * An agent settles an email held for triage (UNKNOWN_SENDER): once they
 * know whose it is — the sender may have been added in sales meanwhile, or
 * writes from an address sales does not have — they open the case for that
 * contact from the email. The case, its attachments and the reply address
 * are then as if the email had matched at once, and the sender gets the
 * acknowledgement.
 */
@Injectable()
export class InboundTriage {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly db: ServiceDatabase,
    private readonly cases: CasesService,
    private readonly access: AccessPolicy,
    private readonly mailer: SupportMailer,
  ) {}

  async openCase(principal: Principal, input: { inboundEmailId: string; contactId: string }) {
    requireCaseWork(principal, await this.access.overrides(principal));
    const id = validate.requireUuid('inboundEmailId', input.inboundEmailId);
    const contactId = validate.requireUuid('contactId', input.contactId);
    const email = await this.db.withTenant(principal.tenantId, (em) => this.held(em, id));
    // Through the cases' own path: the contact is checked (BAD_USER_INPUT when unknown), routed, clocks started.
    const opened: CaseEntity = await this.cases.open(principal, {
      contactId,
      subject: (email.subject || '(no subject)').slice(0, 200),
      description: email.body ?? null,
      channel: 'EMAIL',
    });
    const { view, token, slug } = await this.db.withTenant(principal.tenantId, async (em) => {
      const moved = await this.held(em, id, true);
      await em.query(`UPDATE inbound_emails SET status = 'CASE_OPENED', contact_id = $2, case_id = $3 WHERE id = $1`, [
        moved.id,
        contactId,
        opened.id,
      ]);
      await em.query(`UPDATE email_attachments SET case_id = $2 WHERE inbound_email_id = $1`, [moved.id, opened.id]);
      describeAudit({ objectType: 'InboundEmail', objectId: moved.id, details: { caseId: opened.id, contactId } });
      return {
        view: { ...moved, status: 'CASE_OPENED', contactId, caseId: opened.id },
        token: await tokenOfCase(em, principal.tenantId, opened.id, newReplyToken),
        slug: await slugOfTenant(em),
      };
    });
    const domain = this.config.SERVICE_INBOUND_EMAIL_DOMAIN;
    if (domain && slug)
      this.mailer.sendInBackground(
        acknowledgement({
          messageId: uuidv7(),
          to: view.from,
          subject: opened.subject,
          originalMessageId: email.messageId,
          replyTo: replyAddress(slug, domain, token),
          token,
          notes: [],
        }),
        { kind: 'case-acknowledgement', tenantId: principal.tenantId, caseId: opened.id, inboundEmailId: id },
      );
    return { case: opened, inboundEmail: view };
  }

  /** The email if it is still held for triage (locked when about to change). */
  private async held(em: EntityManager, id: string, lock = false): Promise<InboundEmailView & { messageId: string }> {
    const [row]: (InboundEmailView & { messageId: string })[] = await em.query(
      `SELECT ${EMAIL_COLUMNS}, e.message_id AS "messageId" FROM inbound_emails e WHERE e.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    if (!row) throw notFound('InboundEmail', id);
    if (row.status !== 'UNKNOWN_SENDER') throw conflict(`this email is ${row.status}, not held for triage`, 'inboundEmailId');
    return row;
  }
}
