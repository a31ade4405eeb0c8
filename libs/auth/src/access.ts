import type { Role } from '@rapport/contracts';
import { forbidden, unauthenticated } from './errors';
import type { Principal } from './principal';

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return principal.roles.includes('admin') || roles.some((r) => principal.roles.includes(r));
}

/** Throws FORBIDDEN unless the caller has one of the roles (admins always pass). */
export function requireRole(principal: Principal, ...roles: Role[]): void {
  if (!hasRole(principal, ...roles)) throw forbidden(`requires one of the roles: ${roles.join(', ')}`);
}

/** Throws FORBIDDEN unless the caller is a user with a role, or an API key with the scope. */
export function requireRoleOrScope(principal: Principal, roles: Role[], scope: string): void {
  if (principal.kind === 'apiKey') {
    if (!principal.scopes.includes(scope)) throw forbidden(`API key lacks scope ${scope}`);
    return;
  }
  requireRole(principal, ...roles);
}

/**
 * Field and reference resolvers run without the global guard (Nest skips
 * guards on them for speed), so they assert the principal themselves.
 */
export function requirePrincipal(principal: Principal | null | undefined): Principal {
  if (!principal) throw unauthenticated();
  return principal;
}
