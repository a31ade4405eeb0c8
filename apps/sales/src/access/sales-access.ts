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
import type { Role } from '@rapport/contracts';

export type CustomerRecord = 'accounts' | 'contacts';

/**
 * Reading the customer master is the PROFILE field group of the access
 * matrix (libs/contracts/src/access), narrowed by the tenant's settings;
 * partners need `<record>:read`. Customers (self-service) may read only their
 * own contact, which the caller checks with `canReadContact`.
 */
export function requireRead(principal: Principal, record: CustomerRecord, overrides: FieldAccessOverrides): void {
  if (principal.kind === 'customer') throw forbidden('customers cannot list the customer master');
  requireFieldAccess(principal, 'PROFILE', 'READ', overrides, record);
}

export function requireWrite(principal: Principal, record: CustomerRecord, overrides: FieldAccessOverrides): void {
  if (principal.kind === 'customer') throw forbidden('customers cannot change the customer master');
  requireFieldAccess(principal, 'PROFILE', 'WRITE', overrides, record);
}

/** Writing emails, phones or addresses also needs CONTACT_DETAILS (a tenant may keep partners off them). */
export function requireDetailsWrite(
  principal: Principal,
  input: { emails?: unknown; phones?: unknown; addresses?: unknown },
  overrides: FieldAccessOverrides,
): void {
  const touches = (['emails', 'phones', 'addresses'] as const).some((field) => input[field] != null);
  if (touches) requireFieldAccess(principal, 'CONTACT_DETAILS', 'WRITE', overrides);
}

export function canReadContact(principal: Principal, contactId: string, overrides: FieldAccessOverrides): boolean {
  if (principal.kind === 'customer') return principal.contactId === contactId;
  requireRead(principal, 'contacts', overrides);
  return true;
}

/** Deals and their quotes are field groups of the matrix too (OPPORTUNITIES, QUOTES). */
export function requireDealRead(principal: Principal, group: 'OPPORTUNITIES' | 'QUOTES', overrides: FieldAccessOverrides): void {
  if (principal.kind === 'customer') throw forbidden(`customers cannot read ${group.toLowerCase()}`);
  requireFieldAccess(principal, group, 'READ', overrides);
}

/** Records only the sales team works in: readable by all of it, changed by owner or manager. */
export type SalesRecord = 'leads' | 'pipelines';

const SALES_TEAM: Role[] = ['sales_manager', 'sales_rep'];

/** Sales staff read every lead and pipeline of the tenant; partners need `<record>:read`. */
export function requireSalesRead(principal: Principal, record: SalesRecord): void {
  if (principal.kind === 'customer') throw forbidden(`customers cannot read ${record}`);
  requireRoleOrScope(principal, SALES_TEAM, `${record}:read`);
}

/** Non-throwing variant, e.g. to decide which duplicate hits a caller may see. */
export function canRead(
  principal: Principal,
  record: SalesRecord | CustomerRecord | 'opportunities' | 'quotes',
  overrides: FieldAccessOverrides,
): boolean {
  try {
    if (record === 'accounts' || record === 'contacts') requireRead(principal, record, overrides);
    else if (record === 'opportunities') requireDealRead(principal, 'OPPORTUNITIES', overrides);
    else if (record === 'quotes') requireDealRead(principal, 'QUOTES', overrides);
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
 * Changing an existing lead or opportunity: the sales team or an API key with
 * `<record>:write`, and only records in the caller's write scope under the
 * tenant's sharing rule (SharingPolicy.writeScope): by default
 * (PUBLIC_READ_ONLY) managers and admins change all, reps their own and their
 * reports'. An unowned record is a manager's to assign.
 */
export function canChangeOwned(
  principal: Principal,
  record: 'leads' | 'opportunities',
  ownerId: string | null,
  writeScope: RecordScope,
): boolean {
  if (principal.kind === 'customer') return false;
  if (principal.kind === 'apiKey') return principal.scopes.includes(`${record}:write`);
  return hasRole(principal, ...SALES_TEAM) && inScope(writeScope, ownerId);
}

export function requireChangeOwned(
  principal: Principal,
  record: 'leads' | 'opportunities',
  ownerId: string | null,
  writeScope: RecordScope,
): void {
  if (!canChangeOwned(principal, record, ownerId, writeScope)) {
    throw forbidden(
      `only the owner, the owner's managers or a sales manager may change this ${record === 'leads' ? 'lead' : 'opportunity'}`,
    );
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
