import { Injectable } from '@nestjs/common';
import { CASE_ESCALATED, SYSTEM_ACTOR, type CasePriorityV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { returnedRows } from '@rapport/persistence';
import { AuditRecorder, OwnerDirectory, ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { CaseEntity } from '../cases/case.entity';
import { storeEscalatedPriority, storeSystemNote } from '../cases/case-rows';
import { PRIORITIES, raisePriority } from '../cases/case-rules';
import { recordNotification } from '../notifications/notification-record';
import { RoutingService } from '../routing/routing.service';
import { escalatedClock } from './escalation-matching';
import type { EscalationAction, EscalationRule } from './escalation-rules';
import { claimLevel, completeLevel, type ActionOutcome } from './escalation-store';

/** Up to `target`, never down; one step when no target is given. */
export function raisedPriority(from: CasePriorityV1, target: CasePriorityV1 | undefined): CasePriorityV1 {
  if (!target) return raisePriority(from);
  return PRIORITIES.indexOf(target) > PRIORITIES.indexOf(from) ? target : from;
}

/**
 * Fires one level of a rule on a case, in the caller's transaction with the
 * case row locked: claims the level (once per case), changes the case
 * (priority, queue, owner, note) in the order the actions are listed,
 * publishes `service.case.escalated`, then tells the people named — so
 * "queue manager" is the manager of the queue the case is in after the level.
 * An action that cannot run any more (a queue or user gone since the rule
 * was validated) is skipped and the reason kept with the escalation.
 */
@Injectable()
export class EscalationActions {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly routing: RoutingService,
    private readonly owners: OwnerDirectory,
    private readonly audit: AuditRecorder,
  ) {}

  async fireLevel(em: EntityManager, c: CaseEntity, rule: EscalationRule, level: number, at: Date): Promise<boolean> {
    const id = uuidv7();
    const kind = escalatedClock(rule);
    const before = { priority: c.priority, queueId: c.queueId, ownerId: c.ownerId };
    const claimed = await claimLevel(em, {
      id,
      tenantId: c.tenantId,
      caseId: c.id,
      ruleKey: rule.key,
      ruleName: rule.name,
      level,
      kind,
      fromPriority: c.priority,
      fromQueueId: c.queueId,
      at,
    });
    if (!claimed) return false;
    const actions = rule.levels[level - 1].actions;
    const outcomes: ActionOutcome[] = [];
    for (const [i, a] of actions.entries()) if (a.type !== 'NOTIFY') outcomes[i] = await this.change(em, c, a, at);
    await this.db.publish(
      em,
      newEvent({
        type: CASE_ESCALATED,
        tenantId: c.tenantId,
        actor: SYSTEM_ACTOR,
        subjectId: c.id,
        data: {
          caseId: c.id,
          escalationId: id,
          kind,
          fromPriority: before.priority,
          toPriority: c.priority,
          fromQueueId: before.queueId,
          toQueueId: c.queueId,
          ruleKey: rule.key,
          ruleName: rule.name,
          level,
        },
      }),
    );
    for (const [i, a] of actions.entries()) if (a.type === 'NOTIFY') outcomes[i] = await this.notify(em, c, a, at);
    await completeLevel(em, id, { toPriority: c.priority, toQueueId: c.queueId, actions: outcomes });
    const changes = Object.fromEntries(
      (['priority', 'queueId', 'ownerId'] as const).filter((k) => before[k] !== c[k]).map((k) => [k, { before: before[k], after: c[k] }]),
    );
    await this.audit.record(em, {
      tenantId: c.tenantId,
      action: 'case.escalated',
      objectType: 'Case',
      objectId: c.id,
      changes: Object.keys(changes).length > 0 ? changes : null,
      details: { ruleKey: rule.key, level, escalationId: id },
    });
    return true;
  }

  private async change(em: EntityManager, c: CaseEntity, a: EscalationAction, at: Date): Promise<ActionOutcome> {
    switch (a.type) {
      case 'RAISE_PRIORITY': {
        const to = raisedPriority(c.priority, a.priority);
        const changed = to !== c.priority;
        c.priority = to;
        // Stored even when URGENT stays URGENT: the escalation touched the case (as the fixed escalation did).
        await storeEscalatedPriority(em, c.id, to, at);
        return { type: a.type, outcome: changed ? 'DONE' : 'UNCHANGED', detail: to };
      }
      case 'CHANGE_QUEUE': {
        const to = a.toEscalationQueue ? (c.escalationQueueId ?? c.queueId) : (a.queueId as string);
        if (to === c.queueId) return { type: a.type, outcome: 'UNCHANGED' };
        if (to && !(await this.routing.queuesById(em, [to])).has(to))
          return { type: a.type, outcome: 'SKIPPED', detail: `queue ${to} no longer exists` };
        await this.routing.assign(em, c, { queueId: to }, 'ESCALATION', SYSTEM_ACTOR);
        return { type: a.type, outcome: 'DONE', detail: to ?? undefined };
      }
      case 'REASSIGN': {
        if (a.userId === c.ownerId) return { type: a.type, outcome: 'UNCHANGED' };
        if (!(await this.owners.activeStaff(em, [a.userId])).has(a.userId))
          return { type: a.type, outcome: 'SKIPPED', detail: `user ${a.userId} is no longer active staff` };
        await this.routing.assign(em, c, { queueId: c.queueId, ownerId: a.userId }, 'ESCALATION', SYSTEM_ACTOR);
        return { type: a.type, outcome: 'DONE', detail: a.userId };
      }
      case 'ADD_INTERNAL_COMMENT':
        await storeSystemNote(em, { id: uuidv7(), tenantId: c.tenantId, caseId: c.id, body: a.body, at });
        return { type: a.type, outcome: 'DONE' };
      case 'NOTIFY':
        return { type: a.type, outcome: 'UNCHANGED' };
    }
  }

  private async notify(
    em: EntityManager,
    c: CaseEntity,
    a: Extract<EscalationAction, { type: 'NOTIFY' }>,
    at: Date,
  ): Promise<ActionOutcome> {
    const recipients = new Set<string>();
    if (a.recipients?.includes('ASSIGNEE') && c.ownerId) recipients.add(c.ownerId);
    if (a.recipients?.includes('QUEUE_MANAGER') && c.queueId) {
      const [queue] = returnedRows<{ managerId: string | null }>(
        await em.query(`SELECT manager_id AS "managerId" FROM support_queues WHERE id = $1`, [c.queueId]),
      );
      if (queue?.managerId) recipients.add(queue.managerId);
    }
    for (const id of a.userIds ?? []) recipients.add(id);
    for (const recipientId of recipients)
      await recordNotification(this.db, em, c.tenantId, {
        recipientId,
        kind: 'CASE_ESCALATED',
        caseId: c.id,
        createdAt: at,
        emailRequested: a.email === true,
      });
    if (recipients.size === 0) return { type: a.type, outcome: 'SKIPPED', detail: 'nobody to tell (no assignee or queue manager)' };
    return { type: a.type, outcome: 'DONE', detail: [...recipients].join(',') };
  }
}
