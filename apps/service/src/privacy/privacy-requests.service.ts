import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, forbidden, notFound, requireRole, type Principal } from '@rapport/auth';
import { ERASURE_REQUESTED, PERSONAL_DATA_EXPORT_REQUESTED, type PrivacySubjectV1 } from '@rapport/contracts';
import { personRecordIds } from '@rapport/customer-master';
import { newEvent } from '@rapport/messaging';
import {
  AuditRecorder,
  currentAuditScope,
  describeAudit,
  newSealingKeyPair,
  SERVICE_CONFIG,
  ServiceDatabase,
  validate,
} from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import type { ServiceConfig } from '../service.env';
import { PrivacyDeadlines } from './privacy-deadlines';
import { downloadPath, missingServices } from './privacy-report';

type Kind = 'EXPORT' | 'ERASURE';

export interface PrivacyRequestRow {
  id: string;
  kind: Kind;
  contact_id: string;
  record_ids: string[];
  status: string;
  forced: boolean;
  force_reason: string | null;
  requested_by: string | null;
  requested_at: Date;
  completed_at: Date | null;
  download_secret: string | null;
  download_expires_at: Date | null;
  has_archive: boolean;
}

const COLUMNS = `id, kind, contact_id, record_ids, status, forced, force_reason, requested_by, requested_at, completed_at,
                 download_secret, download_expires_at, archive IS NOT NULL AS has_archive`;

/** Open cases stop an erasure: the case is still being worked on, and its history is the customer's and the agent's record. */
const OPEN_CASES = `SELECT id FROM cases WHERE (contact_id = ANY($1) OR named_contact_id = ANY($1)) AND status NOT IN ('RESOLVED', 'CLOSED')`;

/**
 * The coordinator of data-subject requests (ADR 034). A request resolves the
 * person's records through this service's merge projection, checks what
 * stops an erasure (open cases, which only this service can check in the
 * same transaction, and legal holds), stores the request with its deadline
 * and publishes it; every service answers on its own stream
 * (PrivacyAnswers) and the deadline job reports who did not.
 */
@Injectable()
export class PrivacyRequestsService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly deadlines: PrivacyDeadlines,
    private readonly audit: AuditRecorder,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async requestExport(principal: Principal, input: { contactId: string }) {
    requireRole(principal, 'support_manager');
    const contactId = validate.requireUuid('input.contactId', input.contactId);
    const keys = newSealingKeyPair();
    const id = await this.db.withTenant(principal.tenantId, async (em) => {
      const subject = await this.subject(em, principal.tenantId, contactId);
      await this.insert(em, principal, 'EXPORT', subject, { privateKey: keys.privateKey });
      await this.db.publish(
        em,
        newEvent({
          type: PERSONAL_DATA_EXPORT_REQUESTED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: subject.requestId,
          data: { ...subject, publicKey: keys.publicKey },
        }),
      );
      describeAudit({
        objectType: 'PersonalDataExport',
        objectId: subject.requestId,
        details: { contactId, recordIds: subject.recordIds },
      });
      return subject.requestId;
    });
    await this.deadlines.schedule(principal.tenantId, id);
    return { export: await this.read(principal, 'EXPORT', id) };
  }

  async requestErasure(principal: Principal, input: { contactId: string; force?: boolean | null; forceReason?: string | null }) {
    requireRole(principal, 'support_manager');
    const contactId = validate.requireUuid('input.contactId', input.contactId);
    const forced = input.force === true;
    if (forced && !principal.roles.includes('admin')) throw forbidden('only admins may force an erasure');
    const forceReason = forced ? validate.requiredText('input.forceReason', input.forceReason, 500) : null;
    if (!forced && input.forceReason) throw badUserInput('input.forceReason', 'a reason goes with force: true');
    let refusedFor: string[] = [];
    const work = async (em: EntityManager) => {
      const subject = await this.subject(em, principal.tenantId, contactId);
      const blockers = await this.blockers(em, subject.recordIds);
      if (blockers.length > 0 && !forced) {
        refusedFor = blockers;
        throw conflict(`erasure refused: ${blockers.join('; ')}. An admin may force it with a reason.`, 'input.contactId');
      }
      await this.insert(em, principal, 'ERASURE', subject, { forced, forceReason });
      await this.db.publish(
        em,
        newEvent({
          type: ERASURE_REQUESTED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: subject.requestId,
          data: { ...subject, forced },
        }),
      );
      describeAudit({
        objectType: 'ErasureRequest',
        objectId: subject.requestId,
        details: { contactId, recordIds: subject.recordIds, forced, forceReason, overridden: forced ? blockers : [] },
      });
      return subject.requestId;
    };
    let id: string;
    try {
      id = await this.db.withTenant(principal.tenantId, work);
    } catch (err) {
      // A refusal changes nothing, but that someone asked and why they were refused is part of the record.
      if (refusedFor.length > 0) {
        await this.audit.recordNow({
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          requestId: currentAuditScope()?.requestId ?? null,
          action: 'requestErasure.refused',
          objectType: 'Contact',
          objectId: contactId,
          details: { blockers: refusedFor },
        });
      }
      throw err;
    }
    await this.deadlines.schedule(principal.tenantId, id);
    return { erasure: await this.read(principal, 'ERASURE', id) };
  }

  async setLegalHold(principal: Principal, input: { contactId: string; hold: boolean; reason?: string | null }) {
    requireRole(principal);
    const contactId = validate.requireUuid('input.contactId', input.contactId);
    return this.db.withTenant(principal.tenantId, async (em) => {
      if (!input.hold) {
        await em.query(`DELETE FROM legal_holds WHERE contact_id = $1`, [contactId]);
        describeAudit({ objectType: 'LegalHold', objectId: contactId, details: { hold: false } });
        return { legalHold: null };
      }
      const reason = validate.requiredText('input.reason', input.reason, 500);
      const [row]: { contact_id: string; reason: string; placed_at: Date }[] = await em.query(
        `INSERT INTO legal_holds (tenant_id, contact_id, reason, placed_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, contact_id) DO UPDATE SET reason = EXCLUDED.reason, placed_by = EXCLUDED.placed_by, placed_at = now()
         RETURNING contact_id, reason, placed_at`,
        [principal.tenantId, contactId, reason, principal.id],
      );
      describeAudit({ objectType: 'LegalHold', objectId: contactId, details: { hold: true, reason } });
      return { legalHold: { contactId: row.contact_id, reason: row.reason, placedAt: row.placed_at } };
    });
  }

  async read(principal: Principal, kind: Kind, id: string) {
    requireRole(principal, 'support_manager');
    if (!validate.optionalUuid('id', id)) throw notFound(kind === 'EXPORT' ? 'PersonalDataExport' : 'ErasureRequest', id);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const [row]: PrivacyRequestRow[] = await em.query(`SELECT ${COLUMNS} FROM privacy_requests WHERE id = $1 AND kind = $2`, [id, kind]);
      if (!row) return null;
      const answers: { service: string; received_at: Date; counts: Record<string, number> }[] = await em.query(
        `SELECT service, received_at, counts FROM privacy_answers WHERE request_id = $1 ORDER BY service`,
        [id],
      );
      return this.view(row, answers);
    });
  }

  private view(row: PrivacyRequestRow, answers: { service: string; received_at: Date; counts: Record<string, number> }[]) {
    const { download_secret: secret, download_expires_at: expiresAt } = row;
    const link = row.has_archive && secret && expiresAt && expiresAt > new Date() ? { secret, expiresAt } : null;
    return {
      id: row.id,
      contactId: row.contact_id,
      recordIds: row.record_ids,
      status: row.status,
      forced: row.forced,
      forceReason: row.force_reason,
      requestedAt: row.requested_at,
      completedAt: row.completed_at,
      answers: answers.map((a) => ({
        service: a.service,
        receivedAt: a.received_at,
        tables: Object.entries(a.counts).map(([table, rows]) => ({ table, rows })),
      })),
      missingServices: row.status === 'INCOMPLETE' ? missingServices(answers.map((a) => a.service)) : [],
      downloadUrl: link ? downloadPath(row.id, link.secret, link.expiresAt) : null,
      downloadExpiresAt: link?.expiresAt ?? null,
    };
  }

  /** The request's id and the person's records as this service's merge projection knows them; an unknown contact is NOT_FOUND. */
  private async subject(em: EntityManager, tenantId: string, contactId: string): Promise<PrivacySubjectV1> {
    const [known] = await em.query(`SELECT 1 FROM customer_contacts WHERE id = $1 AND sales_updated_at IS NOT NULL`, [contactId]);
    if (!known) throw notFound('Contact', contactId);
    return { requestId: uuidv7(), contactId, recordIds: await personRecordIds(em, tenantId, 'customer_contacts', [contactId]) };
  }

  private async blockers(em: EntityManager, recordIds: string[]): Promise<string[]> {
    const cases: { id: string }[] = await em.query(OPEN_CASES, [recordIds]);
    const holds: { reason: string }[] = await em.query(`SELECT reason FROM legal_holds WHERE contact_id = ANY($1)`, [recordIds]);
    return [...(cases.length ? [`open cases ${cases.map((c) => c.id).join(', ')}`] : []), ...holds.map((h) => `legal hold (${h.reason})`)];
  }

  private async insert(
    em: EntityManager,
    principal: Principal,
    kind: Kind,
    subject: PrivacySubjectV1,
    extra: { privateKey?: string; forced?: boolean; forceReason?: string | null },
  ): Promise<void> {
    const actor = actorOf(principal);
    await em.query(
      `INSERT INTO privacy_requests (id, tenant_id, kind, contact_id, record_ids, status, forced, force_reason,
                                     requested_by_kind, requested_by, requested_at, deadline_at, private_key, download_secret)
       VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $9, now(), now() + make_interval(secs => $10), $11, $12)`,
      [
        subject.requestId,
        principal.tenantId,
        kind,
        subject.contactId,
        subject.recordIds,
        extra.forced ?? false,
        extra.forceReason ?? null,
        actor.kind,
        actor.id,
        this.config.PRIVACY_ANSWER_TIMEOUT_SECONDS,
        extra.privateKey ?? null,
        kind === 'EXPORT' ? randomBytes(32).toString('base64url') : null,
      ],
    );
  }
}
