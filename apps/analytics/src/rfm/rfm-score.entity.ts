import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A contact's latest RFM scores; written set-based by the recompute statement (rfm-sql.ts). */
@Entity({ name: 'rfm_scores' })
export class RfmScoreEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @PrimaryColumn('uuid', { name: 'contact_id' })
  contactId!: string;

  @Column('int', { name: 'recency_days' })
  recencyDays!: number;

  @Column('int')
  frequency!: number;

  @Column('numeric', { precision: 19, scale: 4 })
  monetary!: string;

  @Column('text')
  currency!: string;

  @Column('smallint')
  r!: number;

  @Column('smallint')
  f!: number;

  @Column('smallint')
  m!: number;

  @Column('text', { name: 'segment_key', nullable: true })
  segmentKey!: string | null;

  @Column('text', { name: 'segment_name', nullable: true })
  segmentName!: string | null;

  @Column('int', { name: 'window_days' })
  windowDays!: number;

  @Column({ type: 'timestamptz', name: 'computed_at', precision: 3 })
  computedAt!: Date;
}
