import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row of the audit log, for reading (rows are appended by AuditLogService with SQL, never saved through this). */
@Entity('audit_log')
export class AuditEntryEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  // bigint comes back as a string; the chain's sequence stays far below 2^53.
  @PrimaryColumn('bigint', { transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  seq!: number;

  @Column('uuid')
  id!: string;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Column('text')
  service!: string;

  @Column('text', { name: 'actor_kind' })
  actorKind!: string;

  @Column('text', { name: 'actor_id', nullable: true })
  actorId!: string | null;

  @Column('text')
  action!: string;

  @Column('text', { name: 'object_type', nullable: true })
  objectType!: string | null;

  @Column('text', { name: 'object_id', nullable: true })
  objectId!: string | null;

  @Column('jsonb', { nullable: true })
  changes!: Record<string, { before: unknown; after: unknown }> | null;

  @Column('jsonb', { nullable: true })
  details!: Record<string, unknown> | null;

  @Column('text', { name: 'request_id', nullable: true })
  requestId!: string | null;

  @Column('text', { name: 'prev_hash' })
  prevHash!: string;

  @Column('text')
  hash!: string;
}
