import { forbidden, requireRoleOrScope, type Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';

/** Marketers run marketing; admins always pass (requireRole). */
const MARKETERS: Role[] = ['marketer'];
/** Results and segment previews are also for analysts. */
const READERS: Role[] = ['marketer', 'analyst'];
/**
 * Everyone who talks to customers must see whether they may be contacted
 * (and record consent given on the phone or at the counter).
 */
const CUSTOMER_FACING: Role[] = ['marketer', 'sales_manager', 'sales_rep', 'support_manager', 'support_agent', 'analyst'];

function refuseCustomers(principal: Principal, what: string): void {
  if (principal.kind === 'customer') throw forbidden(`customers cannot ${what}`);
}

/** Segments, campaigns, journeys: marketers and admins, or API keys with `marketing:write`. */
export function requireMarketingWrite(principal: Principal): void {
  refuseCustomers(principal, 'run marketing');
  requireRoleOrScope(principal, MARKETERS, 'marketing:write');
}

/** Reading segments, campaigns, results: marketers, analysts, admins, or `marketing:read`. */
export function requireMarketingRead(principal: Principal): void {
  refuseCustomers(principal, 'read marketing');
  requireRoleOrScope(principal, READERS, 'marketing:read');
}

/**
 * A contact's consents and marketing state: customer-facing staff, API keys
 * with `consents:read`, and a customer for their own contact only.
 */
export function requireConsentRead(principal: Principal, contactId: string): void {
  if (principal.kind === 'customer') {
    if (principal.contactId !== contactId) throw forbidden('customers see only their own consents');
    return;
  }
  requireRoleOrScope(principal, CUSTOMER_FACING, 'consents:read');
}

/** Recording consent: customer-facing staff, web forms (API keys with `consents:write`), and a customer for themselves. */
export function requireConsentWrite(principal: Principal, contactId: string): void {
  if (principal.kind === 'customer') {
    if (principal.contactId !== contactId) throw forbidden('customers change only their own consents');
    return;
  }
  requireRoleOrScope(principal, CUSTOMER_FACING, 'consents:write');
}
