import type { Role } from '@rapport/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Stored lower-case; unique per tenant. */
  @Column('text')
  email!: string;

  @Column('text', { name: 'display_name' })
  displayName!: string;

  @Column('text', { name: 'password_hash', select: false })
  passwordHash!: string;

  @Column('text', { array: true })
  roles!: Role[];

  /** For self-service customers: the sales contact they are. */
  @Column('uuid', { name: 'contact_id', nullable: true })
  contactId!: string | null;

  /** The user's manager, who sees and changes what this user owns under the tenant's sharing rules. */
  @Column('uuid', { name: 'manager_id', nullable: true })
  managerId!: string | null;

  @Column('boolean')
  disabled!: boolean;

  /** Raised when roles change or the user is deactivated; access tokens carry it (`ver`) and older ones are refused. */
  @Column('integer', { name: 'token_version', default: 0 })
  tokenVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  /** Requests per minute the tenant allows this caller; null: the operator's default. */
  @Column('integer', { name: 'rate_per_minute', nullable: true })
  ratePerMinute!: number | null;
}
