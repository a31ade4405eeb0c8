import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TimelineSubjectType } from './timeline-recorder';

/** One entry of one record's timeline (an event about several records has a row per record). */
@Entity({ name: 'timeline_entries' })
export class TimelineEntryEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'subject_type' })
  subjectType!: TimelineSubjectType;

  @Column('uuid', { name: 'subject_id' })
  subjectId!: string;

  @Column('text')
  kind!: string;

  @Column({ type: 'timestamptz', name: 'occurred_at', precision: 3 })
  occurredAt!: Date;

  @Column('text')
  summary!: string;

  @Column('uuid', { name: 'ref_id', nullable: true })
  refId!: string | null;

  /** The owner of a record held elsewhere (a case), for sharing rules; null for sales' own records. */
  @Column('uuid', { name: 'ref_owner_id', nullable: true })
  refOwnerId!: string | null;

  /** True while the record elsewhere is deleted into its restore window. */
  @Column('boolean', { default: false })
  withdrawn!: boolean;
}
