import { forbidden, requireRoleOrScope, type Principal } from '@rapport/auth';
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
