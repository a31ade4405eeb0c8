import { Column, Entity, PrimaryColumn } from 'typeorm';

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

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;

  /** Loaded alongside, not a column. */
  externalIds?: { source: string; key: string }[];
}
