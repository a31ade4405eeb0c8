import { forbidden, hasRole, requireRole, requireRoleOrScope, type Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';

/** The support team; admins always pass (hasRole). */
export const AGENTS: Role[] = ['support_agent', 'support_manager'];

/**
 * Reading cases: support staff, API keys with `cases:read` or `cases:write`,
 * and customers — who see only the cases of their own contact (the services
 * filter by it; see `customerContact`).
 */
export function requireCaseRead(principal: Principal): void {
  if (principal.kind === 'customer') {
    if (!principal.contactId) throw forbidden('this customer login is not bound to a contact');
    return;
  }
  if (principal.kind === 'apiKey' && principal.scopes.includes('cases:write')) return;
  requireRoleOrScope(principal, AGENTS, 'cases:read');
}

/** Opening and commenting on cases: staff, API keys with `cases:write`, customers (for themselves). */
export function requireCaseWrite(principal: Principal): void {
  if (principal.kind === 'customer') {
    if (!principal.contactId) throw forbidden('this customer login is not bound to a contact');
    return;
  }
  requireRoleOrScope(principal, AGENTS, 'cases:write');
}

/** Status changes, assignment, internal comments and SLA details: the support team and `cases:write` keys. */
export function requireCaseWork(principal: Principal): void {
  if (principal.kind === 'customer') throw forbidden('customers cannot work on cases');
  requireRoleOrScope(principal, AGENTS, 'cases:write');
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
