import type { EventActor } from '@rapport/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One stage transition of an opportunity; the first row (no from-stage) is its creation. */
@Entity({ name: 'opportunity_stage_history' })
export class OpportunityStageHistoryEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'opportunity_id' })
  opportunityId!: string;

  @Column('uuid', { name: 'from_stage_id', nullable: true })
  fromStageId!: string | null;

  @Column('uuid', { name: 'to_stage_id' })
  toStageId!: string;

  @Column({ type: 'timestamptz', name: 'changed_at', precision: 3 })
  changedAt!: Date;

  @Column('text', { name: 'changed_by_kind' })
  changedByKind!: EventActor['kind'];

  @Column('uuid', { name: 'changed_by_id', nullable: true })
  changedById!: string | null;

  @Column('text', { nullable: true })
  reason!: string | null;
}
