import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@rapport/auth';
import type { EventActor } from '@rapport/contracts';
import type { Logger } from '@rapport/observability';
import { AuditRecorder, LOGGER, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import { GraphQLError } from 'graphql';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { CasesService } from '../cases/cases.service';
import type { ServiceConfig } from '../service.env';
import { SupportMailer } from '../support-mail/support-mailer';
import { acknowledgement } from './acknowledgement';
import { caseText, sortAttachments } from './attachment-notes';
import { ignoreReason } from './ignore-reason';
import { caseOfToken, contactsWithEmail, tenantOfSlug, tokenOfCase } from './inbound-mailboxes';
import type { InboundAttachment, InboundMessage, InboundVia } from './inbound-message';
import { newReplyToken, parseSupportAddress, replyAddress, subjectToken, type SupportAddress } from './support-address';

/** The same message is being taken in by another delivery right now: the sender should try again later (SMTP 451, HTTP 503). */
export class InboundBusyError extends Error {
  constructor() {
    super('this message is being processed by another delivery; try again later');
  }
}

export type InboundStatus = 'CASE_OPENED' | 'THREADED' | 'UNKNOWN_SENDER' | 'IGNORED';

export type IngestOutcome =
  { status: 'REJECTED'; reason: string } | { status: InboundStatus; inboundEmailId: string; caseId: string | null; duplicate: boolean };

interface Mailbox {
  tenantId: string;
  address: SupportAddress;
  to: string;
}

/**
 * Email-to-case (ADR 039). Every inbound message — SMTP or webhook — comes
 * here: the recipient address names the tenant; auto-replies, bounces and
 * loops are recorded and left alone; a reply token (address or subject)
 * threads the message onto its case as the customer's comment; otherwise the
 * sender's contact gets a new case, acknowledged by email; a sender no
 * contact has is kept for triage. Each message is recorded once (by
 * Message-ID per tenant: a provider's retry or a resent SMTP transaction
 * changes nothing) with one audit entry.
 *
 * The case work goes through CasesService as the sender, a customer bound
 * to their contact, so routing, SLA clocks, reopening and events are those
 * of self-service. That runs in its own transaction: the message is first
 * recorded as RECEIVED, and only a crash between the case's commit and the
 * outcome's could make a retry of the same message open a second case.
 */
@Injectable()
export class InboundEmailService {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
    private readonly cases: CasesService,
    private readonly audit: AuditRecorder,
    private readonly mailer: SupportMailer,
  ) {}

  get enabled(): boolean {
    return this.config.SERVICE_INBOUND_EMAIL_DOMAIN !== '';
  }

  /** The tenant an address delivers to, or null (the SMTP endpoint refuses it at RCPT TO). */
  async mailboxOf(address: string): Promise<Mailbox | null> {
    const parsed = parseSupportAddress(address, this.config.SERVICE_INBOUND_EMAIL_DOMAIN);
    if (!parsed) return null;
    const tenantId = await tenantOfSlug(this.db.tenantDb, parsed.slug);
    return tenantId ? { tenantId, address: parsed, to: address.toLowerCase() } : null;
  }

  async ingest(message: InboundMessage, via: InboundVia): Promise<IngestOutcome> {
    let mailbox: Mailbox | null = null;
    for (const recipient of message.recipients) if ((mailbox = await this.mailboxOf(recipient))) break;
    if (!mailbox) return { status: 'REJECTED', reason: 'no support mailbox at the recipient address' };
    const { tenantId } = mailbox;
    const id = uuidv7();
    const reason = ignoreReason(message, {
      inboundDomain: this.config.SERVICE_INBOUND_EMAIL_DOMAIN,
      messageIdDomain: this.mailer.messageIdDomain,
    });
    const claimed = await this.db.withTenant(tenantId, (em) => this.claim(em, id, tenantId, mailbox, message, via));
    if (claimed.duplicate) return { status: claimed.status, inboundEmailId: claimed.id, caseId: claimed.caseId, duplicate: true };
    if (reason !== null || !message.from)
      return this.finish(tenantId, id, {
        status: 'IGNORED',
        reason: reason ?? 'no sender address',
        contactId: null,
        caseId: null,
        attachments: [],
      });

    const from = message.from.address;
    const { kept, notes } = sortAttachments(message.attachments, this.config.SERVICE_INBOUND_MAX_ATTACHMENT_BYTES);
    const token = mailbox.address.token ?? subjectToken(message.subject);
    const target = token ? await this.db.withTenant(tenantId, (em) => caseOfToken(em, token)) : null;
    if (target?.contactId) {
      const threaded = await this.thread(tenantId, target.contactId, target.id, from, message, notes);
      if (threaded)
        return this.finish(tenantId, id, { status: 'THREADED', contactId: target.contactId, caseId: target.id, attachments: kept });
    }
    // A reply to a closed case opens a new one for the same customer; an unknown token counts for nothing.
    const contacts = target?.contactId ? [target.contactId] : await this.db.withTenant(tenantId, (em) => contactsWithEmail(em, from));
    if (contacts.length !== 1) {
      const why = contacts.length === 0 ? 'no contact has this address' : `${contacts.length} contacts have this address`;
      return this.finish(tenantId, id, { status: 'UNKNOWN_SENDER', reason: why, contactId: null, caseId: null, attachments: kept });
    }
    const opened = await this.cases.open(this.sender(tenantId, contacts[0]), {
      subject: (message.subject || '(no subject)').slice(0, 200),
      description: caseText(message.text, notes, 20_000),
      channel: 'EMAIL',
    });
    const outcome = await this.finish(tenantId, id, {
      status: 'CASE_OPENED',
      contactId: contacts[0],
      caseId: opened.id,
      attachments: kept,
    });
    const replyTo = replyAddress(mailbox.address.slug, this.config.SERVICE_INBOUND_EMAIL_DOMAIN, outcome.replyToken as string);
    this.mailer.sendInBackground(
      acknowledgement({
        messageId: uuidv7(),
        to: from,
        subject: opened.subject,
        originalMessageId: message.messageId,
        replyTo,
        token: outcome.replyToken as string,
        notes,
      }),
      { kind: 'case-acknowledgement', tenantId, caseId: opened.id, inboundEmailId: id },
    );
    return outcome;
  }

  /** Records the message as RECEIVED, or finds it already recorded (the same Message-ID for this tenant). */
  private async claim(
    em: EntityManager,
    id: string,
    tenantId: string,
    mailbox: Mailbox,
    m: InboundMessage,
    via: InboundVia,
  ): Promise<{ duplicate: false } | { duplicate: true; id: string; status: InboundStatus; caseId: string | null }> {
    const inserted: { id: string }[] = await em.query(
      `INSERT INTO inbound_emails (id, tenant_id, via, message_id, from_address, from_name, to_address, subject, body, status, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'RECEIVED', now())
       ON CONFLICT (tenant_id, message_id) DO NOTHING RETURNING id`,
      [
        id,
        tenantId,
        via,
        m.messageId.slice(0, 998),
        m.from?.address ?? '',
        m.from?.name ?? null,
        mailbox.to,
        m.subject,
        m.text.slice(0, 100_000),
      ],
    );
    if (inserted.length > 0) return { duplicate: false };
    const [row]: { id: string; status: InboundStatus | 'RECEIVED'; caseId: string | null; stale: boolean }[] = await em.query(
      `SELECT id, status, case_id AS "caseId", received_at < now() - interval '5 minutes' AS stale FROM inbound_emails WHERE message_id = $1`,
      [m.messageId.slice(0, 998)],
    );
    // A sender that gave up waiting may deliver again while the first delivery is still at work: it must come back later.
    if (row.status === 'RECEIVED' && !row.stale) throw new InboundBusyError();
    // One left RECEIVED by a crash part-way is taken up again under its own id.
    if (row.status === 'RECEIVED') {
      await em.query(`DELETE FROM inbound_emails WHERE id = $1`, [row.id]);
      return this.claim(em, id, tenantId, mailbox, m, via);
    }
    return { duplicate: true, id: row.id, status: row.status, caseId: row.caseId };
  }

  /** Adds the message to the case as the customer's comment; false when the case takes none (closed). */
  private async thread(
    tenantId: string,
    contactId: string,
    caseId: string,
    from: string,
    message: InboundMessage,
    notes: string[],
  ): Promise<boolean> {
    const own = await this.db.withTenant(tenantId, async (em) => (await contactsWithEmail(em, from)).includes(contactId));
    // Whoever holds the reply address may write (a colleague in copy); the case shows who it was when not the customer.
    const body = caseText(own ? message.text : `From ${from}:\n\n${message.text}`, notes, 20_000);
    try {
      await this.cases.comment(this.sender(tenantId, contactId), { caseId, body, visibility: 'PUBLIC' });
      return true;
    } catch (err) {
      if (err instanceof GraphQLError && err.extensions.code === 'CONFLICT') return false;
      throw err;
    }
  }

  private async finish(
    tenantId: string,
    id: string,
    outcome: { status: InboundStatus; reason?: string; contactId: string | null; caseId: string | null; attachments: InboundAttachment[] },
  ): Promise<IngestOutcome & { replyToken?: string }> {
    const actor: EventActor = outcome.contactId ? { kind: 'customer', id: outcome.contactId } : { kind: 'system', id: null };
    const replyToken = await this.db.withTenant(tenantId, async (em) => {
      await em.query(`UPDATE inbound_emails SET status = $2, ignored_reason = $3, contact_id = $4, case_id = $5 WHERE id = $1`, [
        id,
        outcome.status,
        outcome.reason ?? null,
        outcome.contactId,
        outcome.caseId,
      ]);
      const now = new Date();
      for (const a of outcome.attachments)
        await em.query(
          `INSERT INTO email_attachments (id, tenant_id, inbound_email_id, case_id, file_name, content_type, size_bytes, content, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [uuidv7(), tenantId, id, outcome.caseId, a.fileName.slice(0, 255), a.contentType.slice(0, 255), a.size, a.content, now],
        );
      await this.audit.record(em, {
        tenantId,
        action: `inboundEmail.${outcome.status === 'IGNORED' ? 'ignored' : outcome.status === 'UNKNOWN_SENDER' ? 'heldForTriage' : 'received'}`,
        actor,
        objectType: 'InboundEmail',
        objectId: id,
        details: {
          status: outcome.status,
          caseId: outcome.caseId,
          attachments: outcome.attachments.length,
          ...(outcome.reason ? { reason: outcome.reason } : {}),
        },
      });
      // The address replies thread by: made with the case, so the acknowledgement and every later mail carry it.
      return outcome.status === 'CASE_OPENED' && outcome.caseId ? tokenOfCase(em, tenantId, outcome.caseId, newReplyToken) : undefined;
    });
    if (outcome.status === 'IGNORED') this.logger.info({ tenantId, inboundEmailId: id, reason: outcome.reason }, 'inbound email ignored');
    return { status: outcome.status, inboundEmailId: id, caseId: outcome.caseId, duplicate: false, replyToken };
  }

  /** The sender as self-service would see them: a customer bound to the contact (no login; ADR 039). */
  private sender(tenantId: string, contactId: string): Principal {
    return { kind: 'customer', tenantId, id: contactId, roles: ['customer'], scopes: [], contactId };
  }
}
