import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, forbidden, notFound, type Principal } from '@rapport/auth';
import { CASE_RATED, type EventActor } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { customerContact } from '../access/service-access';
import { CaseCustomers } from '../customers/case-customers';

export interface SatisfactionView {
  id: string;
  caseId: string;
  requestedAt: Date;
  rating: number | null;
  comment: string | null;
  answeredAt: Date | null;
}

const COLUMNS = `id, case_id AS "caseId", requested_at AS "requestedAt", rating, comment, answered_at AS "answeredAt"`;

/**
 * Satisfaction requests: one per resolution of a case with a contact
 * (created in the resolving transaction), answered once by that contact's
 * self-service login or through the signed link in the survey email
 * (satisfaction-survey). A reopened and re-resolved case gets a new request.
 */
@Injectable()
export class SatisfactionService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly customers: CaseCustomers,
  ) {}

  /** Called by the case transition to RESOLVED, inside its transaction. */
  async request(em: EntityManager, c: { id: string; tenantId: string; contactId: string | null }, at: Date): Promise<void> {
    if (!c.contactId) return;
    await em.query(`INSERT INTO satisfaction_requests (id, tenant_id, case_id, contact_id, requested_at) VALUES ($1, $2, $3, $4, $5)`, [
      uuidv7(),
      c.tenantId,
      c.id,
      c.contactId,
      at,
    ]);
  }

  async rate(principal: Principal, input: { caseId: string; rating: number; comment?: string | null }): Promise<SatisfactionView> {
    if (!customerContact(principal)) throw forbidden('a resolution is rated by the customer, through self-service');
    const caseId = validate.requireUuid('caseId', input.caseId);
    if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5)
      throw badUserInput('rating', 'must be a whole number from 1 to 5');
    const comment = validate.text('comment', input.comment, { max: 5000 });
    return this.db.withTenant(principal.tenantId, async (em) => {
      const contact = (await this.customers.scope(em, principal)) as string;
      // Others' cases do not exist for a customer.
      const cases: { status: string }[] = await em.query(`SELECT status FROM cases WHERE id = $1 AND contact_id = $2 FOR UPDATE`, [
        caseId,
        contact,
      ]);
      if (cases.length === 0) throw notFound('Case', caseId);
      const [latest]: SatisfactionView[] = await em.query(
        `SELECT ${COLUMNS} FROM satisfaction_requests WHERE case_id = $1 AND contact_id = $2 ORDER BY requested_at DESC, id DESC LIMIT 1`,
        [caseId, contact],
      );
      if (!latest || !['RESOLVED', 'CLOSED'].includes(cases[0].status)) throw conflict('the case is not resolved', 'caseId');
      if (latest.answeredAt) throw conflict('this resolution was already rated', 'caseId');
      return this.answer(em, principal.tenantId, actorOf(principal), { ...latest, contactId: contact }, input.rating, comment);
    });
  }

  /**
   * The rating link in the survey email (no login; the link's signature was
   * checked): rates the request it names, once, recorded and published as
   * the logged-in path does. 'ANSWERED' when it was already rated.
   */
  async rateByLink(
    link: { tenantId: string; requestId: string },
    rating: number,
    comment: string | null,
    onAnswered: (em: EntityManager, answer: SatisfactionView & { contactId: string }) => Promise<void>,
  ): Promise<SatisfactionView | 'ANSWERED' | 'UNKNOWN'> {
    return this.db.withTenant(link.tenantId, async (em) => {
      const [request]: (SatisfactionView & { contactId: string })[] = await em.query(
        `SELECT ${COLUMNS}, contact_id AS "contactId" FROM satisfaction_requests WHERE id = $1 FOR UPDATE`,
        [link.requestId],
      );
      if (!request) return 'UNKNOWN';
      if (request.answeredAt) return 'ANSWERED';
      const answered = await this.answer(em, link.tenantId, { kind: 'customer', id: request.contactId }, request, rating, comment);
      await onAnswered(em, { ...answered, contactId: request.contactId });
      return answered;
    });
  }

  private async answer(
    em: EntityManager,
    tenantId: string,
    actor: EventActor,
    request: SatisfactionView & { contactId: string },
    rating: number,
    comment: string | null,
  ): Promise<SatisfactionView> {
    const now = new Date();
    await em.query(`UPDATE satisfaction_requests SET rating = $2, comment = $3, answered_at = $4 WHERE id = $1`, [
      request.id,
      rating,
      comment,
      now,
    ]);
    const caseId = request.caseId;
    await this.db.publish(
      em,
      newEvent({
        type: CASE_RATED,
        tenantId,
        actor,
        subjectId: caseId,
        data: { caseId, requestId: request.id, contactId: request.contactId, rating, comment, ratedAt: now.toISOString() },
      }),
    );
    return { id: request.id, caseId, requestedAt: request.requestedAt, rating, comment, answeredAt: now };
  }

  /** The latest request per case (the case itself was already checked as visible). */
  async latest(principal: Principal, caseIds: readonly string[]): Promise<Map<string, SatisfactionView>> {
    const rows: SatisfactionView[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT DISTINCT ON (case_id) ${COLUMNS} FROM satisfaction_requests
          WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, requested_at DESC, id DESC`,
        [[...caseIds]],
      ),
    );
    return new Map(rows.map((r) => [r.caseId, r]));
  }
}
