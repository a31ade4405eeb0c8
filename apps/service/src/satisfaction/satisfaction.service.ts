import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, forbidden, notFound, type Principal } from '@rapport/auth';
import { CASE_RATED } from '@rapport/contracts';
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
 * self-service login. A reopened and re-resolved case gets a new request.
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
      const now = new Date();
      await em.query(`UPDATE satisfaction_requests SET rating = $2, comment = $3, answered_at = $4 WHERE id = $1`, [
        latest.id,
        input.rating,
        comment,
        now,
      ]);
      await this.db.publish(
        em,
        newEvent({
          type: CASE_RATED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: caseId,
          data: { caseId, requestId: latest.id, contactId: contact, rating: input.rating, comment, ratedAt: now.toISOString() },
        }),
      );
      return { ...latest, rating: input.rating, comment, answeredAt: now };
    });
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
