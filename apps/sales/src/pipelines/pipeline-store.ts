import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { PipelineEntity } from './pipeline.entity';
import { PipelineStageEntity } from './pipeline-stage.entity';
import { DEFAULT_PIPELINE_NAME, DEFAULT_STAGES, type ValidStage } from './pipeline-rules';

/**
 * Data access for pipelines shared by the pipeline and opportunity services.
 * Every function runs inside the caller's tenant transaction.
 */
export async function activeStages(em: EntityManager, pipelineIds: string[]): Promise<PipelineStageEntity[]> {
  if (pipelineIds.length === 0) return [];
  return em
    .getRepository(PipelineStageEntity)
    .createQueryBuilder('s')
    .where('s.pipeline_id = ANY(:ids)', { ids: pipelineIds })
    .andWhere('s.archived_at IS NULL')
    .orderBy('s.pipeline_id')
    .addOrderBy('s.position')
    .getMany();
}

export async function insertStages(
  em: EntityManager,
  tenantId: string,
  pipelineId: string,
  stages: ValidStage[],
  now: Date,
): Promise<void> {
  if (stages.length === 0) return;
  await em.getRepository(PipelineStageEntity).insert(
    stages.map((s) => ({
      id: s.id ?? uuidv7(),
      tenantId,
      pipelineId,
      name: s.name,
      position: s.position,
      probability: s.probability,
      forecastCategory: s.forecastCategory,
      archivedAt: null,
      createdAt: now,
      updatedAt: now,
    })),
  );
}

/**
 * The tenant's default pipeline, created with the standard stages on first
 * use. Idempotent under concurrency: a racing transaction's INSERT waits on
 * the winner's, then does nothing and reads the winner's row (committed
 * together with its stages). No conflict target: the winner's row collides on
 * the name index as well as on the one-default index, and either may be the
 * one Postgres checks first.
 */
export async function ensureDefaultPipeline(em: EntityManager, tenantId: string): Promise<PipelineEntity> {
  const repo = em.getRepository(PipelineEntity);
  const existing = await repo.findOneBy({ isDefault: true });
  if (existing) return existing;
  const now = new Date();
  const id = uuidv7();
  const inserted: { id: string }[] = await em.query(
    `INSERT INTO pipelines (id, tenant_id, name, is_default, created_at, updated_at)
     VALUES ($1, $2, $3, true, $4, $4)
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [id, tenantId, DEFAULT_PIPELINE_NAME, now],
  );
  if (inserted.length === 1) {
    const stages = DEFAULT_STAGES.map((s, i) => ({ ...s, id: null, position: i }));
    await insertStages(em, tenantId, id, stages, now);
  }
  return repo.findOneByOrFail({ isDefault: true });
}

/** Opportunities (open or closed) currently sitting on each of the given stages. */
export async function opportunitiesOnStages(em: EntityManager, stageIds: string[]): Promise<Map<string, number>> {
  if (stageIds.length === 0) return new Map();
  const rows: { stage_id: string; n: number }[] = await em.query(
    `SELECT stage_id, count(*)::int AS n FROM opportunities WHERE stage_id = ANY($1) GROUP BY stage_id`,
    [stageIds],
  );
  return new Map(rows.map((r) => [r.stage_id, r.n]));
}
