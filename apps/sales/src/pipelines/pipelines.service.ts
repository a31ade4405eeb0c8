import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, notFound, type FieldAccessOverrides, type Principal } from '@rapport/auth';
import { PIPELINE_CREATED, PIPELINE_UPDATED, type PipelineSnapshotV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { findByIds, type KeysetPage, PG_UNIQUE_VIOLATION, pgConstraint, pgErrorCode } from '@rapport/persistence';
import { AccessPolicy, groupBy, type PageArgs, pageWindow, paginate, ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { canRead, requirePipelineAdmin, requireSalesRead } from '../access/sales-access';
import { PipelineEntity } from './pipeline.entity';
import { PipelineStageEntity } from './pipeline-stage.entity';
import { isClosedCategory, validateStages, type StageInput, type ValidStage } from './pipeline-rules';
import { activeStages, ensureDefaultPipeline, insertStages, opportunitiesOnStages } from './pipeline-store';

export interface CreatePipelineInput {
  name: string;
  stages: StageInput[];
}

export interface UpdatePipelineInput {
  id: string;
  name?: string | null;
  stages?: StageInput[] | null;
  makeDefault?: boolean | null;
}

@Injectable()
export class PipelinesService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
  ) {}

  /** Pipelines oldest first, so the default (made on first use, before any other) leads. */
  async list(principal: Principal, args: PageArgs): Promise<KeysetPage<PipelineEntity>> {
    requireSalesRead(principal, 'pipelines');
    const wanted = pageWindow(args);
    return this.db.withTenant(principal.tenantId, async (em) => {
      await ensureDefaultPipeline(em, principal.tenantId);
      const q = em.getRepository(PipelineEntity).createQueryBuilder('p');
      return paginate(q, {
        ...wanted,
        sortColumn: 'p.created_at',
        idColumn: 'p.id',
        direction: 'ASC',
        cursorOf: (p) => [p.createdAt.toISOString(), p.id],
      });
    });
  }

  async get(principal: Principal, id: string): Promise<PipelineEntity | null> {
    validate.requireUuid('id', id);
    requireSalesRead(principal, 'pipelines');
    return this.db.withTenant(principal.tenantId, (em) => em.getRepository(PipelineEntity).findOneBy({ id }));
  }

  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, PipelineEntity>> {
    requireStructureRead(principal, await this.access.overrides(principal));
    return this.db.withTenant(principal.tenantId, (em) => findByIds(em, PipelineEntity, ids));
  }

  /** Active stages in order, per pipeline id (for the Pipeline.stages field). */
  async stagesOf(principal: Principal, pipelineIds: readonly string[]): Promise<Map<string, PipelineStageEntity[]>> {
    requireStructureRead(principal, await this.access.overrides(principal));
    const stages = await this.db.withTenant(principal.tenantId, (em) => activeStages(em, [...pipelineIds]));
    return groupBy(pipelineIds, stages, (s) => s.pipelineId);
  }

  /** Stages by id, archived ones included (history and closed opportunities still point at them). */
  async stagesById(principal: Principal, ids: readonly string[]): Promise<Map<string, PipelineStageEntity>> {
    requireStructureRead(principal, await this.access.overrides(principal));
    return this.db.withTenant(principal.tenantId, (em) => findByIds(em, PipelineStageEntity, ids));
  }

  async create(principal: Principal, input: CreatePipelineInput): Promise<PipelineEntity> {
    requirePipelineAdmin(principal);
    const name = validate.requiredText('name', input.name, 100);
    const stages = validateStages('stages', input.stages);
    const now = new Date();
    const pipeline = Object.assign(new PipelineEntity(), {
      id: uuidv7(),
      tenantId: principal.tenantId,
      name,
      isDefault: false,
      createdAt: now,
      updatedAt: now,
    });
    return this.write(principal, async (em) => {
      // The default comes first, so a tenant whose first act is creating a pipeline still gets one.
      await ensureDefaultPipeline(em, principal.tenantId);
      await em.getRepository(PipelineEntity).insert(pipeline);
      await insertStages(em, principal.tenantId, pipeline.id, stages, now);
      await this.publish(em, principal, PIPELINE_CREATED, pipeline);
      return pipeline;
    });
  }

  /** The whole pipeline with its active stages, so a consumer replaces its copy without history. */
  private async publish(em: EntityManager, principal: Principal, type: string, pipeline: PipelineEntity): Promise<void> {
    const stages = await activeStages(em, [pipeline.id]);
    const snapshot: PipelineSnapshotV1 = {
      id: pipeline.id,
      name: pipeline.name,
      isDefault: pipeline.isDefault,
      stages: stages.map((st) => ({
        id: st.id,
        name: st.name,
        position: st.position,
        probability: st.probability,
        forecastCategory: st.forecastCategory,
      })),
    };
    await this.db.publish(
      em,
      newEvent({ type, tenantId: principal.tenantId, actor: actorOf(principal), subjectId: pipeline.id, data: { pipeline: snapshot } }),
    );
  }

  async update(principal: Principal, input: UpdatePipelineInput): Promise<PipelineEntity> {
    requirePipelineAdmin(principal);
    const id = validate.requireUuid('id', input.id);
    if (input.makeDefault === false) throw badUserInput('makeDefault', 'make another pipeline the default instead');
    const name = 'name' in input ? validate.requiredText('name', input.name, 100) : undefined;
    return this.write(principal, async (em) => {
      const repo = em.getRepository(PipelineEntity);
      const pipeline = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!pipeline) throw notFound('Pipeline', id);
      const now = new Date();
      if (input.stages != null) await this.replaceStages(em, pipeline, input.stages, now);
      if (input.makeDefault && !pipeline.isDefault) {
        // Two statements, because the partial unique index allows one default at a time.
        await em.query(`UPDATE pipelines SET is_default = false, updated_at = $2 WHERE is_default AND id <> $1`, [id, now]);
        pipeline.isDefault = true;
      }
      if (name !== undefined) pipeline.name = name;
      pipeline.updatedAt = now;
      await repo.update({ id }, { name: pipeline.name, isDefault: pipeline.isDefault, updatedAt: now });
      await this.publish(em, principal, PIPELINE_UPDATED, pipeline);
      return pipeline;
    });
  }

  /**
   * Applies a full, ordered stage list: listed ids keep their stage (so
   * opportunities and history stay attached), entries without an id are new,
   * and unlisted stages are archived — refused while opportunities sit on
   * them, as is turning a stage in use from open to closed or back.
   */
  private async replaceStages(em: EntityManager, pipeline: PipelineEntity, input: StageInput[], now: Date): Promise<void> {
    const current = await activeStages(em, [pipeline.id]);
    const byId = new Map(current.map((s) => [s.id, s]));
    const next = validateStages('stages', input, new Set(byId.keys()));
    // validateStages only accepts ids of current stages, so every kept id is in byId.
    const kept = next.flatMap((s) => (s.id ? [{ ...s, id: s.id, before: byId.get(s.id) as PipelineStageEntity }] : []));
    const keptIds = new Set(kept.map((s) => s.id));
    const removed = current.filter((s) => !keptIds.has(s.id));
    const recategorised = kept.filter((s) => changesClosedness(s.before, s));
    const inUse = await opportunitiesOnStages(
      em,
      [...removed, ...recategorised].map((s) => s.id),
    );
    for (const s of removed) {
      if (inUse.get(s.id))
        throw conflict(
          `stage ${JSON.stringify(s.name)} still has ${inUse.get(s.id)} opportunities; move them before removing it`,
          'stages',
        );
    }
    for (const s of recategorised) {
      if (inUse.get(s.id))
        throw conflict(`stage ${JSON.stringify(s.name)} has opportunities; it cannot switch between open and closed`, 'stages');
    }
    const stages = em.getRepository(PipelineStageEntity);
    if (removed.length > 0) {
      await stages
        .createQueryBuilder()
        .update()
        .set({ archivedAt: now, updatedAt: now })
        .where('id = ANY(:ids)', { ids: removed.map((s) => s.id) })
        .execute();
    }
    for (const s of kept) {
      await stages.update(
        { id: s.id },
        { name: s.name, position: s.position, probability: s.probability, forecastCategory: s.forecastCategory, updatedAt: now },
      );
    }
    await insertStages(
      em,
      pipeline.tenantId,
      pipeline.id,
      next.filter((n) => !n.id),
      now,
    );
  }

  private async write<T>(principal: Principal, work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.db.withTenant(principal.tenantId, work);
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION && pgConstraint(err) === 'pipelines_name_unique') {
        throw conflict('another pipeline already has this name', 'name');
      }
      throw err;
    }
  }
}

/** Whoever may read an opportunity may see its pipeline and stage, even without `pipelines:read`. */
function requireStructureRead(principal: Principal, overrides: FieldAccessOverrides): void {
  if (!canRead(principal, 'opportunities', overrides)) requireSalesRead(principal, 'pipelines');
}

function changesClosedness(before: PipelineStageEntity, after: ValidStage): boolean {
  const wasClosed = isClosedCategory(before.forecastCategory);
  return wasClosed !== isClosedCategory(after.forecastCategory) || (wasClosed && before.forecastCategory !== after.forecastCategory);
}
