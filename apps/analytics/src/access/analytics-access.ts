import { forbidden, requireFieldAccess, requireRoleOrScope, type FieldAccessOverrides, type Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';

/** Analysts read customer intelligence; admins always pass (requireRole). */
const READERS: Role[] = ['analyst'];
/** People do not key in orders: they come from systems (API keys) or an admin's import. */
const ORDER_WRITERS: Role[] = ['admin'];

function refuseCustomers(principal: Principal): void {
  if (principal.kind === 'customer') throw forbidden('customers cannot use analytics');
}

/** Scores, segments and orders: analysts and admins, or API keys with `analytics:read`. */
export function requireAnalyticsRead(principal: Principal): void {
  refuseCustomers(principal);
  requireRoleOrScope(principal, READERS, 'analytics:read');
}

/** Recomputing and changing the tenant's RFM settings. */
export function requireAnalyticsWrite(principal: Principal): void {
  refuseCustomers(principal);
  requireRoleOrScope(principal, READERS, 'analytics:write');
}

/** Recording orders: API keys with `orders:write` (shops, ERPs), and admins. */
export function requireOrdersWrite(principal: Principal): void {
  refuseCustomers(principal);
  requireRoleOrScope(principal, ORDER_WRITERS, 'orders:write');
}

/** Recording shop events (carts, views, orders): API keys with `commerce:write` (shops, apps), and admins. */
export function requireCommerceWrite(principal: Principal): void {
  refuseCustomers(principal);
  requireRoleOrScope(principal, ORDER_WRITERS, 'commerce:write');
}

/**
 * One customer's figures on the 360° view (Contact.rfm, Contact.value,
 * Contact.orders) are field groups of the access matrix, narrowed by the
 * tenant. Customers reach only their own orders, never scores.
 */
export function requireCustomerFigures(
  principal: Principal,
  group: 'RFM' | 'VALUE' | 'ORDERS',
  overrides: FieldAccessOverrides,
  contactId?: string | null,
): void {
  requireFieldAccess(principal, group, 'READ', overrides);
  if (principal.kind === 'customer' && (!contactId || contactId !== principal.contactId)) {
    throw forbidden('customers see only their own orders');
  }
}
