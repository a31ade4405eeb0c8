import {
  accessRank,
  DEFAULT_FIELD_ACCESS,
  FIELD_GROUP_SCOPE,
  maxAccess,
  minAccess,
  type AccessLevel,
  type FieldAccessOverrideV1,
  type FieldGroup,
  type Role,
} from '@rapport/contracts';
import { GraphQLError } from 'graphql';
import type { Principal } from './principal';

/** A tenant's narrowings, looked up by role and group. */
export type FieldAccessOverrides = readonly FieldAccessOverrideV1[];

function roleAccess(role: Role, group: FieldGroup, overrides: FieldAccessOverrides): AccessLevel {
  const builtIn = DEFAULT_FIELD_ACCESS[role][group];
  // Admins keep full access: a tenant that locked its admins out could not undo it.
  if (role === 'admin') return builtIn;
  const narrowed = overrides.find((o) => o.role === role && o.fieldGroup === group);
  return narrowed ? minAccess(builtIn, narrowed.access) : builtIn;
}

/** Keys are partners and customers are customers by the kind of caller, whatever else a token lists. */
function rolesOf(principal: Principal): readonly Role[] {
  if (principal.kind === 'apiKey') return ['partner'];
  if (principal.kind === 'customer') return ['customer'];
  return principal.roles.filter((r) => r !== 'partner' && r !== 'customer');
}

function scopeAccess(scopes: readonly string[], resource: string): AccessLevel {
  if (scopes.includes(`${resource}:write`)) return 'WRITE';
  if (scopes.includes(`${resource}:read`)) return 'READ';
  return 'NONE';
}

/**
 * What the caller may do with a field group: the best of their roles' built-in
 * access narrowed by the tenant's settings; for API keys also capped by the
 * key's scopes. (Customers: only ever on their own record — the services check
 * which record; this says which parts.)
 */
export function fieldAccessOf(
  principal: Principal,
  group: FieldGroup,
  overrides: FieldAccessOverrides,
  /** The API-key scope resource when it is not the group's own (accounts share PROFILE with contacts). */
  scopeResource: string = FIELD_GROUP_SCOPE[group],
): AccessLevel {
  let level: AccessLevel = 'NONE';
  for (const role of rolesOf(principal)) level = maxAccess(level, roleAccess(role, group, overrides));
  if (principal.kind === 'apiKey') level = minAccess(level, scopeAccess(principal.scopes, scopeResource));
  return level;
}

export function allowsFieldAccess(
  principal: Principal,
  group: FieldGroup,
  needed: AccessLevel,
  overrides: FieldAccessOverrides,
  scopeResource?: string,
): boolean {
  return accessRank(fieldAccessOf(principal, group, overrides, scopeResource)) >= accessRank(needed);
}

/** FORBIDDEN naming the field group, so a client can tell a denied part from a missing one. */
export function fieldGroupForbidden(group: FieldGroup, needed: AccessLevel): GraphQLError {
  return new GraphQLError(`not allowed to ${needed === 'WRITE' ? 'change' : 'read'} field group ${group}`, {
    extensions: { code: 'FORBIDDEN', fieldGroup: group },
  });
}

export function requireFieldAccess(
  principal: Principal,
  group: FieldGroup,
  needed: AccessLevel,
  overrides: FieldAccessOverrides,
  scopeResource?: string,
): void {
  if (!allowsFieldAccess(principal, group, needed, overrides, scopeResource)) throw fieldGroupForbidden(group, needed);
}
