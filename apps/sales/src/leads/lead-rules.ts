import { badUserInput, conflict } from '@rapport/auth';
import type { LeadStatusV1 } from '@rapport/contracts';

export type LeadStatus = LeadStatusV1;
export const LEAD_STATUSES: readonly LeadStatus[] = ['NEW', 'WORKING', 'QUALIFIED', 'DISQUALIFIED', 'CONVERTED'];

/**
 * Qualification moves forward, may step back from QUALIFIED to WORKING, and a
 * disqualified lead can be re-opened. CONVERTED is reached only through
 * convertLead and is final: the lead now lives on as account and contact.
 */
const NEXT: Record<LeadStatus, readonly LeadStatus[]> = {
  NEW: ['WORKING', 'QUALIFIED', 'DISQUALIFIED'],
  WORKING: ['QUALIFIED', 'DISQUALIFIED'],
  QUALIFIED: ['WORKING', 'DISQUALIFIED'],
  DISQUALIFIED: ['WORKING'],
  CONVERTED: [],
};

export function canTransition(from: LeadStatus, to: LeadStatus): boolean {
  return from === to || NEXT[from].includes(to);
}

/** The status a new lead may start in (default NEW); never CONVERTED. */
export function initialStatus(status: LeadStatus | null | undefined): LeadStatus {
  if (status == null) return 'NEW';
  if (status === 'CONVERTED') throw badUserInput('status', 'a lead becomes CONVERTED only through convertLead');
  return status;
}

export function requireTransition(from: LeadStatus, to: LeadStatus): void {
  if (to === 'CONVERTED' && from !== 'CONVERTED') throw badUserInput('status', 'a lead becomes CONVERTED only through convertLead');
  if (!canTransition(from, to)) throw badUserInput('status', `cannot go from ${from} to ${to}`);
}

/** Converted leads are a record of what happened; they no longer change. */
export function requireNotConverted(lead: { id: string; status: LeadStatus }): void {
  if (lead.status === 'CONVERTED') throw conflict(`lead ${lead.id} is converted and can no longer change`);
}

/** Converting twice (or concurrently: the loser sees the winner's commit) is a CONFLICT, as is converting a disqualified lead. */
export function requireConvertible(lead: { id: string; status: LeadStatus }): void {
  if (lead.status === 'CONVERTED') throw conflict(`lead ${lead.id} is already converted`, 'leadId');
  if (lead.status === 'DISQUALIFIED') throw conflict(`lead ${lead.id} is disqualified; re-open it (WORKING) before converting`, 'leadId');
}

export function validScore(field: string, score: number | null | undefined): number {
  if (score == null) return 0;
  if (!Number.isInteger(score) || score < 0 || score > 100) throw badUserInput(field, 'must be a whole number from 0 to 100');
  return score;
}
