import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PostalAddress } from './contact-input';

/** A person at (or without) an account: the customer master record. */
@Entity({ name: 'contacts' })
export class ContactEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'account_id', nullable: true })
  accountId!: string | null;

  @Column('uuid', { name: 'owner_id', nullable: true })
  ownerId!: string | null;

  @Column('text', { name: 'first_name', nullable: true })
  firstName!: string | null;

  @Column('text', { name: 'last_name' })
  lastName!: string;

  /** Lower-cased, de-duplicated, primary first. */
  @Column('text', { array: true })
  emails!: string[];

  @Column('text', { array: true })
  phones!: string[];

  @Column('jsonb', { default: () => "'[]'" })
  addresses!: PostalAddress[];

  /** Where the record came from (e.g. import, web form), lower-case. */
  @Column('text', { nullable: true })
  source!: string | null;

  /** Lower-case, trimmed, de-duplicated, at most 20. */
  @Column('text', { array: true, default: () => "'{}'" })
  tags!: string[];

  /** Set when this contact was merged into another (it stays, hidden from lists). */
  @Column('uuid', { name: 'merged_into', nullable: true })
  mergedInto!: string | null;

  @Column({ type: 'timestamptz', name: 'merged_at', precision: 3, nullable: true })
  mergedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;

  /** Loaded alongside, not a column. */
  externalIds?: { source: string; key: string }[];
}
