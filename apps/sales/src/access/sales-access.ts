import { forbidden, hasRole, requireRole, requireRoleOrScope, type Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';

/** Everyone on the tenant's staff may read the customer master. */
const READERS: Role[] = ['sales_manager', 'sales_rep', 'support_manager', 'support_agent', 'marketer', 'analyst'];
const WRITERS: Role[] = ['sales_manager', 'sales_rep'];

export type CustomerRecord = 'accounts' | 'contacts';

/**
 * Who may read the customer master: staff, and partners whose key has
 * `<record>:read`. Customers (self-service) may read only their own contact,
 * which the caller checks with `canReadContact`.
 */
export function requireRead(principal: Principal, record: CustomerRecord): void {
  if (principal.kind === 'customer') throw forbidden('customers cannot list the customer master');
  requireRoleOrScope(principal, READERS, `${record}:read`);
}

export function requireWrite(principal: Principal, record: CustomerRecord): void {
  if (principal.kind === 'customer') throw forbidden('customers cannot change the customer master');
  requireRoleOrScope(principal, WRITERS, `${record}:write`);
}

export function canReadContact(principal: Principal, contactId: string): boolean {
  if (principal.kind === 'customer') return principal.contactId === contactId;
  requireRead(principal, 'contacts');
  return true;
}

/** Records the sales team works in: readable by all of it, changed by owner or manager. */
export type SalesRecord = 'leads' | 'opportunities' | 'pipelines';

const SALES_TEAM: Role[] = ['sales_manager', 'sales_rep'];

/** Sales staff read every lead, opportunity and pipeline of the tenant; partners need `<record>:read`. */
export function requireSalesRead(principal: Principal, record: SalesRecord): void {
  if (principal.kind === 'customer') throw forbidden(`customers cannot read ${record}`);
  requireRoleOrScope(principal, SALES_TEAM, `${record}:read`);
}

/** Non-throwing variant, e.g. to decide which duplicate hits a caller may see. */
export function canRead(principal: Principal, record: SalesRecord | CustomerRecord): boolean {
  try {
    if (record === 'accounts' || record === 'contacts') requireRead(principal, record);
    else requireSalesRead(principal, record);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creating a lead or opportunity: sales staff, or an API key with
 * `<record>:write` (web forms and partners capture leads). A rep creates
 * records for themselves only; assigning to someone else is a manager's call.
 */
export function requireSalesCreate(principal: Principal, record: 'leads' | 'opportunities', ownerId: string | null): void {
  if (principal.kind === 'customer') throw forbidden(`customers cannot create ${record}`);
  requireRoleOrScope(principal, SALES_TEAM, `${record}:write`);
  if (principal.kind === 'user' && !hasRole(principal, 'sales_manager') && ownerId !== principal.id) {
    throw forbidden(`sales reps create ${record} they own themselves; ownerId must be you`);
  }
}

/**
 * Changing an existing lead or opportunity: managers and admins change all in
 * the tenant, reps only their own (owner = them), API keys with `<record>:write`.
 * An unowned record is a manager's to assign.
 */
export function canChangeOwned(principal: Principal, record: 'leads' | 'opportunities', ownerId: string | null): boolean {
  if (principal.kind === 'customer') return false;
  if (principal.kind === 'apiKey') return principal.scopes.includes(`${record}:write`);
  if (hasRole(principal, 'sales_manager')) return true;
  return hasRole(principal, 'sales_rep') && ownerId !== null && ownerId === principal.id;
}

export function requireChangeOwned(principal: Principal, record: 'leads' | 'opportunities', ownerId: string | null): void {
  if (!canChangeOwned(principal, record, ownerId)) {
    throw forbidden(`only the owner or a sales manager may change this ${record === 'leads' ? 'lead' : 'opportunity'}`);
  }
}

/** Handing a record to another owner is for managers, admins and integrations, not reps. */
export function requireReassign(principal: Principal, record: 'leads' | 'opportunities'): void {
  if (principal.kind === 'apiKey' ? principal.scopes.includes(`${record}:write`) : hasRole(principal, 'sales_manager')) return;
  throw forbidden('only a sales manager may change the owner');
}

/** Pipelines shape how the whole team forecasts: managers and admins edit them. */
export function requirePipelineAdmin(principal: Principal): void {
  if (principal.kind !== 'user') throw forbidden('pipelines are edited by sales managers and admins');
  requireRole(principal, 'sales_manager');
}
