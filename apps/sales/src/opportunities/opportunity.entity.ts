import type { OpportunityStatusV1 } from '@rapport/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

export type OpportunityStatus = OpportunityStatusV1;

/** A deal in progress with an account: amount, expected close date, and where it stands. */
@Entity({ name: 'opportunities' })
export class OpportunityEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'account_id' })
  accountId!: string;

  @Column('uuid', { name: 'primary_contact_id', nullable: true })
  primaryContactId!: string | null;

  @Column('uuid', { name: 'owner_id', nullable: true })
  ownerId!: string | null;

  @Column('text')
  name!: string;

  /** Exact decimal as a string (numeric(19,4)); never a JS number. */
  @Column('numeric', { precision: 19, scale: 4 })
  amount!: string;

  @Column('char', { length: 3 })
  currency!: string;

  /** Calendar date, YYYY-MM-DD. */
  @Column('date', { name: 'close_date' })
  closeDate!: string;

  @Column('uuid', { name: 'pipeline_id' })
  pipelineId!: string;

  @Column('uuid', { name: 'stage_id' })
  stageId!: string;

  @Column('int')
  probability!: number;

  @Column('text')
  status!: OpportunityStatus;

  @Column('text', { name: 'close_reason', nullable: true })
  closeReason!: string | null;

  @Column({ type: 'timestamptz', name: 'closed_at', precision: 3, nullable: true })
  closedAt!: Date | null;

  @Column('uuid', { name: 'lead_id', nullable: true })
  leadId!: string | null;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;
}
