import {
  forbidden,
  hasRole,
  inScope,
  requireFieldAccess,
  requireRole,
  requireRoleOrScope,
  type FieldAccessOverrides,
  type Principal,
  type RecordScope,
} from '@rapport/auth';
import type { AccessLevel, Role } from '@rapport/contracts';

/** The support team; admins always pass (hasRole). */
export const AGENTS: Role[] = ['support_agent', 'support_manager'];

/**
 * Knowledge (articles, search, settings): the support team, API keys with
 * `cases:read` or `cases:write`, and customers bound to a contact (who see
 * published public articles only; the services filter).
 */
export function requireKnowledgeRead(principal: Principal): void {
  if (principal.kind === 'customer') {
    if (!principal.contactId) throw forbidden('this customer login is not bound to a contact');
    return;
  }
  if (principal.kind === 'apiKey' && principal.scopes.includes('cases:write')) return;
  requireRoleOrScope(principal, AGENTS, 'cases:read');
}

/**
 * Cases and their comments are field groups of the access matrix (CASES,
 * CASE_COMMENTS in libs/contracts/src/access), narrowed by the tenant:
 * reading needs READ, opening, commenting and working on cases WRITE.
 * Customers reach only their own cases (the services filter by contact).
 */
export function requireCaseAccess(
  principal: Principal,
  group: 'CASES' | 'CASE_COMMENTS',
  needed: AccessLevel,
  overrides: FieldAccessOverrides,
): void {
  if (principal.kind === 'customer' && !principal.contactId) throw forbidden('this customer login is not bound to a contact');
  requireFieldAccess(principal, group, needed, overrides);
}

/** Status changes, assignment and SLA details: whoever may change cases (CASES WRITE), never customers. */
export function requireCaseWork(principal: Principal, overrides: FieldAccessOverrides): void {
  if (principal.kind === 'customer') throw forbidden('customers cannot work on cases');
  requireFieldAccess(principal, 'CASES', 'WRITE', overrides);
}

/**
 * A change to an existing case (status, assignment, edits) also needs the
 * case in the caller's write scope under the tenant's sharing rule
 * (SharingPolicy.writeScope): under PUBLIC_READ_ONLY or PRIVATE its owner,
 * the owner's managers, and admins (support managers too under
 * PUBLIC_READ_ONLY). Customers never get here (requireCaseWork).
 */
export function requireCaseChange(writeScope: RecordScope, c: { ownerId: string | null }): void {
  if (!inScope(writeScope, c.ownerId)) {
    throw forbidden("only the case's owner, the owner's managers and admins may change this case (tenant sharing rule)");
  }
}

export function isStaff(principal: Principal): boolean {
  return principal.kind !== 'customer';
}

/** The contact a customer is bound to, or null for staff and integrations (who see the whole tenant). */
export function customerContact(principal: Principal): string | null {
  return principal.kind === 'customer' ? principal.contactId : null;
}

/** Queues, routing rules, calendars and SLA policies: support managers and admins. */
export function requireServiceAdmin(principal: Principal): void {
  if (principal.kind !== 'user') throw forbidden('service configuration is changed by support managers and admins');
  requireRole(principal, 'support_manager');
}

/** Reading the configuration: the support team. */
export function requireServiceConfigRead(principal: Principal): void {
  if (principal.kind === 'customer') throw forbidden('customers cannot read the service configuration');
  requireRoleOrScope(principal, AGENTS, 'cases:read');
}

/** An agent may change their own availability; managers and admins anyone's. */
export function requireAvailabilityChange(principal: Principal, agentId: string): void {
  if (principal.kind === 'user' && principal.id === agentId && hasRole(principal, 'support_agent')) return;
  requireServiceAdmin(principal);
}
