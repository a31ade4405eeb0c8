import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A sales process: the ordered stages an opportunity moves through. */
@Entity({ name: 'pipelines' })
export class PipelineEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  name!: string;

  /** The pipeline new opportunities go to when none is named; one per tenant. */
  @Column('boolean', { name: 'is_default' })
  isDefault!: boolean;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;
}
