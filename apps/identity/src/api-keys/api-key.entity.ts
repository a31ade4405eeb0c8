import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  name!: string;

  /** SHA-256 of the secret part; the secret itself is shown once and never stored. */
  @Column('text', { name: 'secret_hash', select: false })
  secretHash!: string;

  @Column('text', { array: true })
  scopes!: string[];

  /** Requests per minute the tenant allows this caller; null: the operator's default. */
  @Column('integer', { name: 'rate_per_minute', nullable: true })
  ratePerMinute!: number | null;

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'last_used_at', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', precision: 3, nullable: true })
  revokedAt!: Date | null;
}
