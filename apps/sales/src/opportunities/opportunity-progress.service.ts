import { Injectable } from '@nestjs/common';
import { actorOf, InvariantError, type Principal } from '@rapport/auth';
import { OPPORTUNITY_LOST, OPPORTUNITY_STAGE_CHANGED, OPPORTUNITY_WON } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { OwnedRecords, requireChangeShared, type OwnedScopes } from '../access/owned-records';
import type { PipelineStageEntity } from '../pipelines/pipeline-stage.entity';
import { closedStage } from '../pipelines/pipeline-rules';
import { activeStages } from '../pipelines/pipeline-store';
import { customerSubjects, TimelineRecorder } from '../timeline/timeline-recorder';
import { requireCalendarDate } from './calendar-date';
import { OpportunityEntity } from './opportunity.entity';
import { closing, requireOpen, requireTargetStage } from './opportunity-rules';
import { opportunitySnapshot, stageRef } from './opportunity-snapshot';
import { existingStage, findStage, lockOpportunity, recordStageChange } from './opportunity-store';

export interface MoveStageInput {
  id: string;
  stageId: string;
  reason?: string | null;
}

export interface CloseInput {
  id: string;
  won: boolean;
  reason?: string | null;
  /** The day it closed (YYYY-MM-DD); by default the day of closing, in UTC. */
  closeDate?: string | null;
}

/**
 * How an opportunity progresses: stage moves and closing. Each change locks
 * the row, appends to the stage history and publishes its events in the same
 * transaction, so history, state and events never disagree.
 */
@Injectable()
export class OpportunityProgressService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly owned: OwnedRecords,
  ) {}

  /** Moves to another open stage of the same pipeline; the probability resets to the stage's default. */
  async moveStage(principal: Principal, input: MoveStageInput): Promise<OpportunityEntity> {
    const id = validate.requireUuid('id', input.id);
    const stageId = validate.requireUuid('stageId', input.stageId);
    const reason = validate.text('reason', input.reason, { max: 500 });
    const scopes = await this.owned.scopes(principal, 'opportunities');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const before = await lockOpportunity(em, id);
      requireChangeShared(principal, 'opportunities', before, scopes);
      requireOpen(before);
      if (before.stageId === stageId) return before;
      const to = requireTargetStage('stageId', await findStage(em, stageId), before.pipelineId) as PipelineStageEntity;
      return this.transition(em, principal, before, to, { probability: to.probability }, reason);
    });
  }

  /** Wins or loses: moves to the pipeline's closed stage and publishes .won or .lost. Closing twice is a CONFLICT. */
  async close(principal: Principal, input: CloseInput): Promise<OpportunityEntity> {
    const scopes = await this.owned.scopes(principal, 'opportunities');
    return this.db.withTenant(principal.tenantId, (em) => this.closeWithin(em, principal, input, scopes));
  }

  /**
   * close() inside the caller's transaction (accepting a quote wins its
   * opportunity this way): same checks, history and events; the caller
   * resolves the sharing scopes before its transaction (OwnedRecords.scopes).
   */
  async closeWithin(em: EntityManager, principal: Principal, input: CloseInput, scopes: OwnedScopes): Promise<OpportunityEntity> {
    const id = validate.requireUuid('id', input.id);
    const reason = validate.text('reason', input.reason, { max: 500 });
    const closedAt = new Date();
    // A deal counts in the forecast period it closed in, not the one it was once expected in.
    const closeDate = input.closeDate == null ? closedAt.toISOString().slice(0, 10) : requireCalendarDate('closeDate', input.closeDate);
    const before = await lockOpportunity(em, id);
    requireChangeShared(principal, 'opportunities', before, scopes);
    requireOpen(before);
    // Pipeline rules guarantee exactly one won and one lost stage; absence is a bug, not bad input.
    const to = closedStage(await activeStages(em, [before.pipelineId]), input.won);
    if (!to) throw new InvariantError(`pipeline ${before.pipelineId} has no ${input.won ? 'CLOSED_WON' : 'CLOSED_LOST'} stage`);
    const after = await this.transition(
      em,
      principal,
      before,
      to,
      { ...closing(input.won), closeReason: reason, closedAt, closeDate },
      reason,
    );
    await TimelineRecorder.record(em, {
      tenantId: principal.tenantId,
      subjects: [...customerSubjects(after.accountId, after.primaryContactId), { type: 'OPPORTUNITY', id: after.id }],
      kind: input.won ? 'OPPORTUNITY_WON' : 'OPPORTUNITY_LOST',
      occurredAt: after.updatedAt,
      summary: `Opportunity ${input.won ? 'won' : 'lost'}: ${after.name}`,
      refId: after.id,
    });
    await this.db.publish(
      em,
      newEvent({
        type: input.won ? OPPORTUNITY_WON : OPPORTUNITY_LOST,
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        subjectId: id,
        data: { opportunity: opportunitySnapshot(after), reason },
      }),
    );
    return after;
  }

  private async transition(
    em: EntityManager,
    principal: Principal,
    before: OpportunityEntity,
    to: PipelineStageEntity,
    changes: Partial<OpportunityEntity>,
    reason: string | null,
  ): Promise<OpportunityEntity> {
    const from = await existingStage(em, before.stageId);
    const now = new Date();
    const after = Object.assign(new OpportunityEntity(), before, changes, { stageId: to.id, updatedAt: now });
    await em.getRepository(OpportunityEntity).update({ id: before.id }, { ...after });
    await recordStageChange(em, principal, { opportunity: after, from: from.id, to: to.id, reason, at: now });
    await TimelineRecorder.record(em, {
      tenantId: principal.tenantId,
      subjects: [...customerSubjects(after.accountId, after.primaryContactId), { type: 'OPPORTUNITY', id: after.id }],
      kind: 'OPPORTUNITY_STAGE_CHANGED',
      occurredAt: now,
      summary: `${after.name}: ${from.name} → ${to.name}`,
      refId: after.id,
    });
    await this.db.publish(
      em,
      newEvent({
        type: OPPORTUNITY_STAGE_CHANGED,
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        subjectId: before.id,
        data: { opportunity: opportunitySnapshot(after), from: stageRef(from), to: stageRef(to), reason },
      }),
    );
    return after;
  }
}
