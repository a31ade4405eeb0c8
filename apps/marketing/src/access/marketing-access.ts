import { forbidden, requireFieldAccess, requireRoleOrScope, type FieldAccessOverrides, type Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';

/** Marketers run marketing; admins always pass (requireRole). */
const MARKETERS: Role[] = ['marketer'];
/** Results and segment previews are also for analysts. */
const READERS: Role[] = ['marketer', 'analyst'];
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
 * A contact's consents (CONSENTS in the access matrix, libs/contracts/src/access,
 * narrowed by the tenant): customer-facing staff, API keys with
 * `consents:read`, and a customer for their own contact only.
 */
export function requireConsentRead(principal: Principal, contactId: string, overrides: FieldAccessOverrides): void {
  requireOwnConsents(principal, contactId, 'see');
  requireFieldAccess(principal, 'CONSENTS', 'READ', overrides);
}

/** Recording consent: customer-facing staff, web forms (API keys with `consents:write`), and a customer for themselves. */
export function requireConsentWrite(principal: Principal, contactId: string, overrides: FieldAccessOverrides): void {
  requireOwnConsents(principal, contactId, 'change');
  requireFieldAccess(principal, 'CONSENTS', 'WRITE', overrides);
}

/** Marketing's view of a contact (MARKETING_PROFILE): staff whose tenant lets them; never customers. */
export function requireMarketingProfileRead(principal: Principal, overrides: FieldAccessOverrides): void {
  refuseCustomers(principal, 'read marketing profiles');
  requireFieldAccess(principal, 'MARKETING_PROFILE', 'READ', overrides);
}

function requireOwnConsents(principal: Principal, contactId: string, what: 'see' | 'change'): void {
  if (principal.kind === 'customer' && principal.contactId !== contactId) throw forbidden(`customers ${what} only their own consents`);
}
