import { Injectable } from '@nestjs/common';
import type { Principal } from '@rapport/auth';
import type { CaseStatusV1 } from '@rapport/contracts';
import { groupBy, ServiceDatabase } from '@rapport/service-kit';
import { isStaff } from '../access/service-access';
import { CaseCommentEntity } from './case-comment.entity';

/**
 * A case's comments, status history, escalations and assignments, batched
 * for the field resolvers. The case itself was already checked as visible
 * to the caller; customers still never receive internal comments,
 * escalations or assignments.
 */
@Injectable()
export class CaseDetailsService {
  constructor(private readonly db: ServiceDatabase) {}

  async comments(principal: Principal, caseIds: readonly string[]): Promise<Map<string, CaseCommentEntity[]>> {
    const rows = await this.db.withTenant(principal.tenantId, (em) => {
      const q = em
        .getRepository(CaseCommentEntity)
        .createQueryBuilder('m')
        .where('m.case_id = ANY(:ids)', { ids: [...caseIds] })
        .orderBy('m.created_at', 'ASC')
        .addOrderBy('m.id', 'ASC');
      // Customers never receive internal notes, whatever they ask for.
      if (!isStaff(principal)) q.andWhere(`m.visibility = 'PUBLIC'`);
      return q.getMany();
    });
    return groupBy(caseIds, rows, (r) => r.caseId);
  }

  async statusHistory(principal: Principal, caseIds: readonly string[]) {
    const rows: { caseId: string; from: CaseStatusV1 | null; to: CaseStatusV1; at: Date }[] = await this.db.withTenant(
      principal.tenantId,
      (em) =>
        em.query(
          `SELECT case_id AS "caseId", from_status AS "from", to_status AS "to", changed_at AS "at"
           FROM case_status_history WHERE case_id = ANY($1::uuid[]) ORDER BY changed_at, id`,
          [[...caseIds]],
        ),
    );
    return groupBy(caseIds, rows, (r) => r.caseId);
  }

  async escalations(principal: Principal, caseIds: readonly string[]) {
    if (!isStaff(principal)) return new Map(caseIds.map((id) => [id, []]));
    const rows: {
      caseId: string;
      id: string;
      kind: string | null;
      ruleKey: string;
      ruleName: string;
      level: number;
      actions: { type: string; outcome: string; detail?: string }[];
      fromPriority: string;
      toPriority: string;
      fromQueueId: string | null;
      toQueueId: string | null;
      at: Date;
    }[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT case_id AS "caseId", id, kind, rule_key AS "ruleKey", rule_name AS "ruleName", level, actions, from_priority AS "fromPriority", to_priority AS "toPriority",
                  from_queue_id AS "fromQueueId", to_queue_id AS "toQueueId", escalated_at AS "at"
             FROM case_escalations WHERE case_id = ANY($1::uuid[]) ORDER BY escalated_at, id`,
        [[...caseIds]],
      ),
    );
    return groupBy(caseIds, rows, (r) => r.caseId);
  }

  async assignments(principal: Principal, caseIds: readonly string[]) {
    if (!isStaff(principal)) return new Map(caseIds.map((id) => [id, []]));
    const rows: {
      caseId: string;
      queueId: string | null;
      ownerId: string | null;
      previousOwnerId: string | null;
      reason: string;
      at: Date;
    }[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT case_id AS "caseId", queue_id AS "queueId", owner_id AS "ownerId", previous_owner_id AS "previousOwnerId", reason, assigned_at AS "at"
             FROM case_assignments WHERE case_id = ANY($1::uuid[]) ORDER BY assigned_at, id`,
        [[...caseIds]],
      ),
    );
    return groupBy(caseIds, rows, (r) => r.caseId);
  }
}
