import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ForecastCategory } from './pipeline-rules';

/** One step of a pipeline. Removed stages are archived, never deleted, so history keeps its meaning. */
@Entity({ name: 'pipeline_stages' })
export class PipelineStageEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'pipeline_id' })
  pipelineId!: string;

  @Column('text')
  name!: string;

  /** 0-based order within the pipeline's active stages. */
  @Column('int')
  position!: number;

  /** Default win probability (0–100) for opportunities entering the stage. */
  @Column('int')
  probability!: number;

  @Column('text', { name: 'forecast_category' })
  forecastCategory!: ForecastCategory;

  @Column({ type: 'timestamptz', name: 'archived_at', precision: 3, nullable: true })
  archivedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;
}
