import { badUserInput, conflict } from '@rapport/auth';
import { isClosedCategory, validProbability, type ForecastCategory } from '../pipelines/pipeline-rules';
import type { OpportunityStatus } from './opportunity.entity';

interface StageLike {
  id: string;
  pipelineId: string;
  probability: number;
  forecastCategory: ForecastCategory;
  archivedAt: Date | null;
}

/** A new or moved opportunity takes the stage's default probability unless the caller overrides it. */
export function probabilityFor(stage: Pick<StageLike, 'probability'>, override: number | null | undefined, field = 'probability'): number {
  return override == null ? stage.probability : validProbability(field, override);
}

/** Won and lost are final in this version: moving, re-closing or re-probabilising them is a CONFLICT. */
export function requireOpen(opportunity: { id: string; status: OpportunityStatus }): void {
  if (opportunity.status !== 'OPEN') throw conflict(`opportunity ${opportunity.id} is already ${opportunity.status}`);
}

/**
 * Where an opportunity may be placed or moved by hand: an active, open stage
 * of its own pipeline. Closed stages are reached only through
 * closeOpportunity, so won/lost always carries its event and reason.
 */
export function requireTargetStage(field: string, stage: StageLike | null, pipelineId: string | null): StageLike {
  if (!stage || stage.archivedAt) throw badUserInput(field, 'no such active stage');
  if (pipelineId && stage.pipelineId !== pipelineId) throw badUserInput(field, "is not a stage of the opportunity's pipeline");
  if (isClosedCategory(stage.forecastCategory)) throw badUserInput(field, 'is a closed stage; use closeOpportunity to win or lose');
  return stage;
}

/** What closing sets: status, and the probability that keeps forecasts honest. */
export function closing(won: boolean): { status: OpportunityStatus; probability: number } {
  return won ? { status: 'WON', probability: 100 } : { status: 'LOST', probability: 0 };
}
