import { Injectable } from '@nestjs/common';
import { businessMinutesBetween } from '@rapport/business-time';
import { actorOf, badUserInput, inScope, notFound, type Principal } from '@rapport/auth';
import { CASE_UPDATED, type CaseCategoryV1, type CasePriorityV1, type CaseStatusV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { AccessPolicy, ServiceDatabase, SharingPolicy, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { requireCaseChange, requireCaseWork } from '../access/service-access';
import { runningBusinessMinutes, type StatusChange } from '../sla/elapsed-history';
import { replanClocks } from '../sla/sla-plan';
import { SlaPoliciesService } from '../sla/sla-policies.service';
import { SlaTimers } from '../sla/sla-timers';
import { CaseEntity } from './case.entity';
import { CATEGORIES, clocksRun, PRIORITIES } from './case-rules';
import { caseSnapshot } from './case-snapshot';

export interface UpdateCaseInput {
  caseId: string;
  subject?: string | null;
  description?: string | null;
  category?: CaseCategoryV1 | null;
  priority?: CasePriorityV1 | null;
}

/**
 * Staff edits of a case: subject, description, category, priority; each
 * edit publishes service.case.updated with the changed fields. A priority
 * change re-plans the SLA of an unresolved case under the policy for its new
 * priority and the tier it opened with (when there is one; otherwise it
 * keeps its SLA): due times as if it had opened with the new targets, the
 * time it waited on the customer still excluded. A clock that already
 * stopped (first response given) keeps its result, and warnings or breaches
 * already recorded stay recorded (a breach under the new target fires at
 * once). Escalations raise the priority without re-planning: the breach
 * that caused them stays the measure.
 */
@Injectable()
export class CaseEditsService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly policies: SlaPoliciesService,
    private readonly timers: SlaTimers,
    private readonly access: AccessPolicy,
    private readonly sharing: SharingPolicy,
  ) {}

  async update(principal: Principal, input: UpdateCaseInput): Promise<CaseEntity> {
    requireCaseWork(principal, await this.access.overrides(principal));
    const caseId = validate.requireUuid('caseId', input.caseId);
    const next: Partial<Pick<CaseEntity, 'subject' | 'description' | 'category' | 'priority'>> = {};
    if (input.subject != null) next.subject = validate.requiredText('subject', input.subject, 200);
    if (input.description !== undefined) next.description = validate.text('description', input.description, { max: 20_000 });
    if (input.category != null) {
      if (!CATEGORIES.includes(input.category)) throw badUserInput('category', `must be one of ${CATEGORIES.join(', ')}`);
      next.category = input.category;
    }
    if (input.priority != null) {
      if (!PRIORITIES.includes(input.priority)) throw badUserInput('priority', `must be one of ${PRIORITIES.join(', ')}`);
      next.priority = input.priority;
    }
    if (Object.keys(next).length === 0) throw badUserInput('input', 'give at least one of subject, description, category, priority');
    let replan = false;
    const visible = await this.sharing.readScope(principal, 'CASE');
    const writable = await this.sharing.writeScope(principal, 'CASE');
    const updated = await this.db.withTenant(principal.tenantId, async (em) => {
      const c = await em.getRepository(CaseEntity).findOne({ where: { id: caseId }, lock: { mode: 'pessimistic_write' } });
      // A case the tenant's sharing hides is absent; one the caller sees but may not change is FORBIDDEN.
      if (!c || !inScope(visible, c.ownerId)) throw notFound('Case', caseId);
      requireCaseChange(writable, c);
      const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => next[k] !== c[k]);
      if (changed.length === 0) return c;
      const now = new Date();
      const priorityChanged = changed.includes('priority');
      Object.assign(c, next, { updatedAt: now });
      if (priorityChanged && !isDone(c.status)) replan = await this.replanSla(em, c, now);
      await em.getRepository(CaseEntity).update({ id: c.id }, { ...slaColumns(c), ...next, updatedAt: now });
      await this.db.publish(
        em,
        newEvent({
          type: CASE_UPDATED,
          tenantId: c.tenantId,
          actor: actorOf(principal),
          subjectId: c.id,
          data: { case: caseSnapshot(c), changed },
        }),
      );
      return c;
    });
    if (replan) await this.timers.plan(updated);
    return updated;
  }

  /** New terms for the case's new priority; false (SLA kept) when no policy covers it. Mutates `c`. */
  private async replanSla(em: EntityManager, c: CaseEntity, now: Date): Promise<boolean> {
    const sla = await this.policies.termsFor(em, c.priority, c.tier);
    if (!sla) return false;
    const history: StatusChange[] = await em.query(
      `SELECT to_status AS "to", changed_at AS "at" FROM case_status_history WHERE case_id = $1 ORDER BY changed_at, id`,
      [c.id],
    );
    // A case that had no policy never paused; one waiting on the customer now starts its pause now.
    if (!clocksRun(c.status) && !c.pausedAt) c.pausedAt = now;
    const upTo = c.pausedAt ?? now;
    const calendar = sla.terms.calendar;
    // Whole milliseconds (a Date's resolution), so float noise of the two sums does not leak into the due times.
    const paused =
      Math.round((businessMinutesBetween(calendar, c.createdAt, upTo) - runningBusinessMinutes(calendar, history, upTo)) * 60_000) / 60_000;
    const clocks = replanClocks(sla.terms, c.createdAt, paused);
    Object.assign(c, {
      slaPolicyId: sla.policy.id,
      slaCalendar: calendar,
      resolutionMinutes: sla.terms.resolutionMinutes,
      warningShare: String(sla.terms.warningShare),
      escalationQueueId: sla.policy.escalationQueueId,
      resolutionDueAt: clocks.resolutionDueAt,
      resolutionWarnAt: clocks.resolutionWarnAt,
      slaVersion: c.slaVersion + 1,
    });
    if (!c.firstRespondedAt) {
      Object.assign(c, {
        firstResponseMinutes: sla.terms.firstResponseMinutes,
        firstResponseDueAt: clocks.firstResponseDueAt,
        firstResponseWarnAt: clocks.firstResponseWarnAt,
      });
    }
    return true;
  }
}

const isDone = (status: CaseStatusV1) => status === 'RESOLVED' || status === 'CLOSED';

function slaColumns(c: CaseEntity): Partial<CaseEntity> {
  return {
    slaPolicyId: c.slaPolicyId,
    slaCalendar: c.slaCalendar,
    firstResponseMinutes: c.firstResponseMinutes,
    resolutionMinutes: c.resolutionMinutes,
    warningShare: c.warningShare,
    escalationQueueId: c.escalationQueueId,
    firstResponseDueAt: c.firstResponseDueAt,
    firstResponseWarnAt: c.firstResponseWarnAt,
    resolutionDueAt: c.resolutionDueAt,
    resolutionWarnAt: c.resolutionWarnAt,
    pausedAt: c.pausedAt,
    slaVersion: c.slaVersion,
  };
}
