import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ActivityTargetType, ActivityType } from './activity-rules';

/** A task, call, meeting or note about one lead, contact, account or opportunity. */
@Entity({ name: 'activities' })
export class ActivityEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  type!: ActivityType;

  @Column('text', { name: 'target_type' })
  targetType!: ActivityTargetType;

  @Column('uuid', { name: 'target_id' })
  targetId!: string;

  @Column('text')
  subject!: string;

  @Column('text', { nullable: true })
  body!: string | null;

  @Column('uuid', { name: 'owner_id', nullable: true })
  ownerId!: string | null;

  @Column({ type: 'timestamptz', name: 'due_at', precision: 3, nullable: true })
  dueAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'starts_at', precision: 3, nullable: true })
  startsAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'ends_at', precision: 3, nullable: true })
  endsAt!: Date | null;

  /** Grows whenever dueAt changes; reminder job ids carry it. */
  @Column('int', { name: 'due_version' })
  dueVersion!: number;

  /** The due version whose reminder fired (so none fires twice). */
  @Column('int', { name: 'reminded_version', nullable: true })
  remindedVersion!: number | null;

  @Column({ type: 'timestamptz', name: 'completed_at', precision: 3, nullable: true })
  completedAt!: Date | null;

  @Column('uuid', { name: 'completed_by_id', nullable: true })
  completedById!: string | null;

  @Column('uuid', { name: 'created_by_id', nullable: true })
  createdById!: string | null;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;
}
