import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LeadStatus } from './lead-rules';

/** A prospective customer not yet qualified into an account and contact. */
@Entity({ name: 'leads' })
export class LeadEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'first_name', nullable: true })
  firstName!: string | null;

  @Column('text', { name: 'last_name' })
  lastName!: string;

  @Column('text', { nullable: true })
  company!: string | null;

  /** Lower-cased; the duplicate check matches it exactly. */
  @Column('text', { nullable: true })
  email!: string | null;

  @Column('text', { nullable: true })
  phone!: string | null;

  /** Where the lead came from, e.g. web-form, partner, event. */
  @Column('text', { nullable: true })
  source!: string | null;

  @Column('text')
  status!: LeadStatus;

  @Column('uuid', { name: 'owner_id', nullable: true })
  ownerId!: string | null;

  @Column('int')
  score!: number;

  @Column({ type: 'timestamptz', name: 'converted_at', precision: 3, nullable: true })
  convertedAt!: Date | null;

  @Column('uuid', { name: 'converted_account_id', nullable: true })
  convertedAccountId!: string | null;

  @Column('uuid', { name: 'converted_contact_id', nullable: true })
  convertedContactId!: string | null;

  @Column('uuid', { name: 'converted_opportunity_id', nullable: true })
  convertedOpportunityId!: string | null;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;
}
