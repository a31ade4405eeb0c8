import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ExternalIdInput, PostalAddress } from '../contacts/contact-input';

/** An organisation the tenant sells to. */
@Entity({ name: 'accounts' })
export class AccountEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  name!: string;

  @Column('text', { nullable: true })
  domain!: string | null;

  @Column('text', { nullable: true })
  industry!: string | null;

  @Column('uuid', { name: 'owner_id', nullable: true })
  ownerId!: string | null;

  @Column('jsonb', { default: () => "'[]'" })
  addresses!: PostalAddress[];

  @Column('text', { nullable: true })
  source!: string | null;

  @Column('text', { array: true, default: () => "'{}'" })
  tags!: string[];

  /** Set when this account was merged into another (it stays, hidden from lists). */
  @Column('uuid', { name: 'merged_into', nullable: true })
  mergedInto!: string | null;

  @Column({ type: 'timestamptz', name: 'merged_at', precision: 3, nullable: true })
  mergedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;

  /** Loaded alongside, not a column. */
  externalIds?: ExternalIdInput[];
}
