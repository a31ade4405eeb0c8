import type { CasePriorityV1, CaseStatusV1 } from '@rapport/contracts';

export const CHANNELS = ['PHONE', 'EMAIL', 'WEB', 'CHAT', 'SOCIAL'] as const;
export const CATEGORIES = ['QUESTION', 'PROBLEM', 'COMPLAINT', 'REQUEST', 'FEEDBACK'] as const;
export const PRIORITIES: readonly CasePriorityV1[] = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];
/** While a case is in one of these it counts as open work (assignment load, SLA clocks). */
export const ACTIVE_STATUSES: readonly CaseStatusV1[] = ['NEW', 'OPEN', 'PENDING_CUSTOMER'];

/** Allowed moves; RESOLVED/CLOSED → OPEN is a reopen. */
const TRANSITIONS: Record<CaseStatusV1, readonly CaseStatusV1[]> = {
  NEW: ['OPEN', 'PENDING_CUSTOMER', 'RESOLVED', 'CLOSED'],
  OPEN: ['PENDING_CUSTOMER', 'RESOLVED', 'CLOSED'],
  PENDING_CUSTOMER: ['OPEN', 'RESOLVED', 'CLOSED'],
  RESOLVED: ['OPEN', 'CLOSED'],
  CLOSED: ['OPEN'],
};

export function canTransition(from: CaseStatusV1, to: CaseStatusV1): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isReopen(from: CaseStatusV1, to: CaseStatusV1): boolean {
  return (from === 'RESOLVED' || from === 'CLOSED') && to === 'OPEN';
}

/** The SLA clocks stop while the case waits on the customer or is done. */
export function clocksRun(status: CaseStatusV1): boolean {
  return status === 'NEW' || status === 'OPEN';
}

/** One step up on escalation; URGENT stays URGENT. */
export function raisePriority(priority: CasePriorityV1): CasePriorityV1 {
  return PRIORITIES[Math.min(PRIORITIES.indexOf(priority) + 1, PRIORITIES.length - 1)];
}
