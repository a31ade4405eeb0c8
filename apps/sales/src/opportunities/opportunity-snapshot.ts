import type { OpportunitySnapshotV1, StageRefV1 } from '@rapport/contracts';
import type { PipelineStageEntity } from '../pipelines/pipeline-stage.entity';
import { presentMoney } from './money-input';
import type { OpportunityEntity } from './opportunity.entity';

/** The opportunity as published in sales.opportunity.* events (amounts as decimal strings). */
export function opportunitySnapshot(o: OpportunityEntity): OpportunitySnapshotV1 {
  return {
    id: o.id,
    accountId: o.accountId,
    primaryContactId: o.primaryContactId,
    ownerId: o.ownerId,
    name: o.name,
    amount: presentMoney(o.amount, o.currency),
    closeDate: o.closeDate,
    pipelineId: o.pipelineId,
    stageId: o.stageId,
    probability: o.probability,
    status: o.status,
    closeReason: o.closeReason,
    closedAt: o.closedAt?.toISOString() ?? null,
    leadId: o.leadId,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

export function stageRef(s: PipelineStageEntity): StageRefV1 {
  return { id: s.id, name: s.name, probability: s.probability, forecastCategory: s.forecastCategory };
}
