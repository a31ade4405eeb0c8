import type { CaseCategoryV1, CaseChannelV1, CasePriorityV1, CaseStatusV1 } from '@rapport/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { BusinessCalendar } from '@rapport/business-time';

const instant = (name: string, nullable = true) => ({ type: 'timestamptz' as const, name, precision: 3, nullable });

/** A customer's request for help, with the SLA it opened with. */
@Entity({ name: 'cases' })
export class CaseEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'contact_id', nullable: true })
  contactId!: string | null;

  @Column('uuid', { name: 'account_id', nullable: true })
  accountId!: string | null;

  /** The contact the case was opened for; `contactId` is its survivor (they differ while it is merged). */
  @Column('uuid', { name: 'named_contact_id', nullable: true })
  namedContactId!: string | null;

  /** The account the case was opened for (or took from its contact); `accountId` is its survivor. */
  @Column('uuid', { name: 'named_account_id', nullable: true })
  namedAccountId!: string | null;

  @Column('text')
  subject!: string;

  @Column('text', { nullable: true })
  description!: string | null;

  @Column('text')
  channel!: CaseChannelV1;

  @Column('text')
  category!: CaseCategoryV1;

  @Column('text')
  priority!: CasePriorityV1;

  @Column('text')
  status!: CaseStatusV1;

  @Column('uuid', { name: 'owner_id', nullable: true })
  ownerId!: string | null;

  @Column('uuid', { name: 'queue_id', nullable: true })
  queueId!: string | null;

  @Column('text', { nullable: true })
  tier!: string | null;

  @Column('text', { name: 'created_by_kind' })
  createdByKind!: string;

  @Column('uuid', { name: 'created_by_id', nullable: true })
  createdById!: string | null;

  @Column('uuid', { name: 'sla_policy_id', nullable: true })
  slaPolicyId!: string | null;

  @Column('jsonb', { name: 'sla_calendar', nullable: true })
  slaCalendar!: BusinessCalendar | null;

  @Column('integer', { name: 'first_response_minutes', nullable: true })
  firstResponseMinutes!: number | null;

  @Column('integer', { name: 'resolution_minutes', nullable: true })
  resolutionMinutes!: number | null;

  /** numeric(4,3): comes back as a string. */
  @Column('numeric', { name: 'warning_share', nullable: true })
  warningShare!: string | null;

  @Column('uuid', { name: 'escalation_queue_id', nullable: true })
  escalationQueueId!: string | null;

  @Column(instant('first_response_due_at'))
  firstResponseDueAt!: Date | null;

  @Column(instant('first_response_warn_at'))
  firstResponseWarnAt!: Date | null;

  @Column(instant('resolution_due_at'))
  resolutionDueAt!: Date | null;

  @Column(instant('resolution_warn_at'))
  resolutionWarnAt!: Date | null;

  @Column(instant('first_responded_at'))
  firstRespondedAt!: Date | null;

  @Column(instant('paused_at'))
  pausedAt!: Date | null;

  @Column('integer', { name: 'sla_version' })
  slaVersion!: number;

  @Column(instant('first_response_warned_at'))
  firstResponseWarnedAt!: Date | null;

  @Column(instant('first_response_breached_at'))
  firstResponseBreachedAt!: Date | null;

  @Column(instant('resolution_warned_at'))
  resolutionWarnedAt!: Date | null;

  @Column(instant('resolution_breached_at'))
  resolutionBreachedAt!: Date | null;

  @Column(instant('resolved_at'))
  resolvedAt!: Date | null;

  @Column(instant('closed_at'))
  closedAt!: Date | null;

  @Column(instant('created_at', false))
  createdAt!: Date;

  @Column(instant('updated_at', false))
  updatedAt!: Date;
}
