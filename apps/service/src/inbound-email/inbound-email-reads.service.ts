import { Inject, Injectable } from '@nestjs/common';
import { badUserInput, forbidden, type Principal } from '@rapport/auth';
import { AccessPolicy, type PageArgs, pageWindow, paginateSql, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import { requireCaseAccess } from '../access/service-access';
import type { ServiceConfig } from '../service.env';
import { slugOfTenant } from './inbound-mailboxes';
import { replyAddress, supportAddress } from './support-address';

const STATUSES = ['RECEIVED', 'CASE_OPENED', 'THREADED', 'UNKNOWN_SENDER', 'IGNORED'];

export interface InboundEmailView {
  id: string;
  receivedAt: Date;
  via: string;
  from: string;
  fromName: string | null;
  to: string;
  subject: string | null;
  body: string | null;
  status: string;
  ignoredReason: string | null;
  contactId: string | null;
  caseId: string | null;
}

export interface AttachmentView {
  id: string;
  caseId: string | null;
  inboundEmailId: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  createdAt: Date;
  url: string;
}

export const EMAIL_COLUMNS = `e.id, e.received_at AS "receivedAt", e.via, e.from_address AS "from", e.from_name AS "fromName", e.to_address AS "to",
  e.subject, e.body, e.status, e.ignored_reason AS "ignoredReason", e.contact_id AS "contactId", e.case_id AS "caseId"`;
const ATTACHMENT_COLUMNS = `id, case_id AS "caseId", inbound_email_id AS "inboundEmailId", file_name AS "fileName",
  content_type AS "contentType", size_bytes AS "sizeBytes", created_at AS "createdAt", '/case-attachments/' || id AS url`;

/**
 * What agents read of inbound email: the tenant's support address, the
 * list of messages (the triage list is status UNKNOWN_SENDER), and per case
 * its attachments and reply address. Inbound messages are the support
 * team's (CASES READ, never customers); a case's attachments and reply
 * address go with the case, which the caller was already allowed to see.
 */
@Injectable()
export class InboundEmailReads {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
  ) {}

  async supportAddress(principal: Principal): Promise<string | null> {
    const domain = this.config.SERVICE_INBOUND_EMAIL_DOMAIN;
    if (!domain) return null;
    const slug = await this.db.withTenant(principal.tenantId, (em) => slugOfTenant(em));
    return slug ? supportAddress(slug, domain) : null;
  }

  async list(principal: Principal, args: PageArgs & { filter?: { status?: string | null } | null }) {
    if (principal.kind === 'customer') throw forbidden('inbound email is read by the support team');
    requireCaseAccess(principal, 'CASES', 'READ', await this.access.overrides(principal));
    const wanted = pageWindow(args);
    const status = args.filter?.status ?? null;
    if (status !== null && !STATUSES.includes(status)) throw badUserInput('filter.status', `must be one of ${STATUSES.join(', ')}`);
    return this.db.withTenant(principal.tenantId, (em) =>
      paginateSql(em, {
        select: EMAIL_COLUMNS,
        from: `inbound_emails e WHERE ($1::text IS NULL OR e.status = $1)`,
        params: [status],
        sortColumn: 'e.received_at',
        idColumn: 'e.id',
        direction: 'DESC',
        ...wanted,
        cursorOf: (r: InboundEmailView) => [r.receivedAt.toISOString(), r.id],
        map: (r: InboundEmailView) => r,
      }),
    );
  }

  async attachmentsByCase(principal: Principal, caseIds: readonly string[]): Promise<Map<string, AttachmentView[]>> {
    const rows: AttachmentView[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(`SELECT ${ATTACHMENT_COLUMNS} FROM email_attachments WHERE case_id = ANY($1::uuid[]) ORDER BY created_at, id`, [
        [...caseIds],
      ]),
    );
    return group(caseIds, rows, (r) => r.caseId as string);
  }

  async attachmentsByEmail(principal: Principal, emailIds: readonly string[]): Promise<Map<string, AttachmentView[]>> {
    const rows: AttachmentView[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(`SELECT ${ATTACHMENT_COLUMNS} FROM email_attachments WHERE inbound_email_id = ANY($1::uuid[]) ORDER BY created_at, id`, [
        [...emailIds],
      ]),
    );
    return group(emailIds, rows, (r) => r.inboundEmailId);
  }

  async replyAddresses(principal: Principal, caseIds: readonly string[]): Promise<Map<string, string | null>> {
    const domain = this.config.SERVICE_INBOUND_EMAIL_DOMAIN;
    const out = new Map<string, string | null>(caseIds.map((id) => [id, null]));
    if (!domain) return out;
    await this.db.withTenant(principal.tenantId, async (em) => {
      const slug = await slugOfTenant(em);
      if (!slug) return;
      const rows: { caseId: string; token: string }[] = await em.query(
        `SELECT case_id AS "caseId", token FROM case_reply_tokens WHERE case_id = ANY($1::uuid[])`,
        [[...caseIds]],
      );
      for (const r of rows) out.set(r.caseId, replyAddress(slug, domain, r.token));
    });
    return out;
  }
}

function group<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const r of rows) out.get(keyOf(r))?.push(r);
  return out;
}
