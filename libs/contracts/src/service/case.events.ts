import type { EventEnvelope } from '../envelope';

/** Where a case came in. */
export type CaseChannelV1 = 'PHONE' | 'EMAIL' | 'WEB' | 'CHAT' | 'SOCIAL';
/** What a case is about; COMPLAINT lets marketing tell an unhappy customer. */
export type CaseCategoryV1 = 'QUESTION' | 'PROBLEM' | 'COMPLAINT' | 'REQUEST' | 'FEEDBACK';
export type CasePriorityV1 = 'LOW' | 'NORMAL' | 'HIGH' | 'URGENT';
/** NEW → OPEN → PENDING_CUSTOMER → RESOLVED → CLOSED, with reopen back to OPEN. */
export type CaseStatusV1 = 'NEW' | 'OPEN' | 'PENDING_CUSTOMER' | 'RESOLVED' | 'CLOSED';
/** The two SLA clocks of a case. */
export type SlaKindV1 = 'FIRST_RESPONSE' | 'RESOLUTION';

/** The case as other services see it. */
export interface CaseSnapshotV1 {
  id: string;
  contactId: string | null;
  accountId: string | null;
  subject: string;
  channel: CaseChannelV1;
  category: CaseCategoryV1;
  priority: CasePriorityV1;
  status: CaseStatusV1;
  ownerId: string | null;
  queueId: string | null;
  /** The customer's tier when the case opened (decides its SLA policy); null when unknown. */
  tier: string | null;
  createdAt: string;
  updatedAt: string;
}

export const CASE_OPENED = 'service.case.opened' as const;
export type CaseOpenedV1 = EventEnvelope<typeof CASE_OPENED, { case: CaseSnapshotV1 }>;

export const CASE_UPDATED = 'service.case.updated' as const;
/**
 * A type added to the stream later (consumers that predate it skip it):
 * staff changed the case's subject, description, category or priority;
 * `changed` names those fields. A priority change
 * re-plans the case's SLA (its snapshot shows the new priority).
 */
export type CaseUpdatedV1 = EventEnvelope<typeof CASE_UPDATED, { case: CaseSnapshotV1; changed: string[] }>;

export const CASE_ASSIGNED = 'service.case.assigned' as const;
/** `reason`: RULE (routing at open), MANUAL, ESCALATION. Every (re)assignment is one event. */
export type CaseAssignedV1 = EventEnvelope<
  typeof CASE_ASSIGNED,
  {
    caseId: string;
    queueId: string | null;
    ownerId: string | null;
    previousOwnerId: string | null;
    reason: 'RULE' | 'MANUAL' | 'ESCALATION';
  }
>;

export const CASE_STATUS_CHANGED = 'service.case.status_changed' as const;
export type CaseStatusChangedV1 = EventEnvelope<typeof CASE_STATUS_CHANGED, { caseId: string; from: CaseStatusV1; to: CaseStatusV1 }>;

export const CASE_RESOLVED = 'service.case.resolved' as const;
export type CaseResolvedV1 = EventEnvelope<typeof CASE_RESOLVED, { case: CaseSnapshotV1; resolvedAt: string }>;

export const CASE_REOPENED = 'service.case.reopened' as const;
export type CaseReopenedV1 = EventEnvelope<typeof CASE_REOPENED, { case: CaseSnapshotV1; reopenedAt: string }>;

/** Data of SLA warnings and breaches: which clock, its due time, and the policy's target. */
export interface CaseSlaDataV1 {
  caseId: string;
  kind: SlaKindV1;
  dueAt: string;
  targetMinutes: number;
  priority: CasePriorityV1;
  tier: string | null;
  queueId: string | null;
  ownerId: string | null;
}

export const CASE_SLA_WARNING = 'service.case.sla_warning' as const;
export type CaseSlaWarningV1 = EventEnvelope<typeof CASE_SLA_WARNING, CaseSlaDataV1>;

export const CASE_SLA_BREACHED = 'service.case.sla_breached' as const;
export type CaseSlaBreachedV1 = EventEnvelope<typeof CASE_SLA_BREACHED, CaseSlaDataV1>;

export const CASE_ESCALATED = 'service.case.escalated' as const;
export type CaseEscalatedV1 = EventEnvelope<
  typeof CASE_ESCALATED,
  {
    caseId: string;
    escalationId: string;
    /** The SLA clock the rule reacts to (its first WARNING/BREACHED condition); null for a rule without one. */
    kind: SlaKindV1 | null;
    fromPriority: CasePriorityV1;
    toPriority: CasePriorityV1;
    fromQueueId: string | null;
    toQueueId: string | null;
    /** The tenant's escalation rule (ADR 051) and the level of it that fired, 1-based. */
    ruleKey: string;
    ruleName: string;
    level: number;
  }
>;
