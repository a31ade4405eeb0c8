import { actorOf, notFound, type Principal } from '@rapport/auth';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { PipelineStageEntity } from '../pipelines/pipeline-stage.entity';
import { OpportunityEntity } from './opportunity.entity';
import { OpportunityStageHistoryEntity } from './opportunity-stage-history.entity';

/** Reads the opportunity with a row lock, so concurrent moves and closes apply one after another. */
export async function lockOpportunity(em: EntityManager, id: string): Promise<OpportunityEntity> {
  const opportunity = await em.getRepository(OpportunityEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!opportunity) throw notFound('Opportunity', id);
  return opportunity;
}

export async function findStage(em: EntityManager, id: string): Promise<PipelineStageEntity | null> {
  return em.getRepository(PipelineStageEntity).findOneBy({ id });
}

/** A stage an opportunity already references; foreign keys guarantee it exists, so absence is a bug, not bad input. */
export async function existingStage(em: EntityManager, id: string): Promise<PipelineStageEntity> {
  const stage = await findStage(em, id);
  if (!stage) throw new Error(`stage ${id} referenced by an opportunity does not exist`);
  return stage;
}

/** Appends to the stage history in the same transaction as the change it records. */
export async function recordStageChange(
  em: EntityManager,
  principal: Principal,
  change: { opportunity: OpportunityEntity; from: string | null; to: string; reason: string | null; at: Date },
): Promise<void> {
  const actor = actorOf(principal);
  await em.getRepository(OpportunityStageHistoryEntity).insert({
    id: uuidv7(),
    tenantId: change.opportunity.tenantId,
    opportunityId: change.opportunity.id,
    fromStageId: change.from,
    toStageId: change.to,
    changedAt: change.at,
    changedByKind: actor.kind,
    changedById: actor.id,
    reason: change.reason,
  });
}

/** The won amount a quote gave the opportunity (quotes decide it; the caller publishes the change in the same transaction). */
export async function storeWonAmount(
  em: EntityManager,
  id: string,
  won: Pick<OpportunityEntity, 'amount' | 'currency' | 'updatedAt'>,
): Promise<void> {
  await em.getRepository(OpportunityEntity).update({ id }, { amount: won.amount, currency: won.currency, updatedAt: won.updatedAt });
}
