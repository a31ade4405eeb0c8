import { badUserInput } from '@rapport/auth';
import {
  accessRank,
  DEFAULT_FIELD_ACCESS,
  FIELD_GROUPS,
  isAccessLevel,
  isFieldGroup,
  isRole,
  ROLES,
  type AccessLevel,
  type FieldAccessOverrideV1,
  type FieldGroup,
  type Role,
} from '@rapport/contracts';

export interface FieldAccessView {
  role: Role;
  fieldGroup: FieldGroup;
  access: AccessLevel;
  builtIn: AccessLevel;
  narrowed: boolean;
}

/** Checks a requested narrowing; every problem is the caller's, named by its field. */
export function validFieldAccess(input: { role: unknown; fieldGroup: unknown; access: unknown }): FieldAccessOverrideV1 {
  const { role, fieldGroup, access } = input;
  if (typeof role !== 'string' || !isRole(role)) throw badUserInput('role', `unknown role ${JSON.stringify(role)}`);
  if (role === 'admin') throw badUserInput('role', 'admins always have full access; a tenant cannot lock its admins out');
  if (!isFieldGroup(fieldGroup)) throw badUserInput('fieldGroup', `unknown field group ${JSON.stringify(fieldGroup)}`);
  if (!isAccessLevel(access)) throw badUserInput('access', `unknown access ${JSON.stringify(access)}`);
  const builtIn = DEFAULT_FIELD_ACCESS[role][fieldGroup];
  if (accessRank(access) > accessRank(builtIn)) {
    throw badUserInput('access', `${role} has at most ${builtIn} on ${fieldGroup}; field access only narrows the built-in access`);
  }
  return { role, fieldGroup, access };
}

/** The tenant's narrowings after one change: setting the built-in level again removes the narrowing. */
export function withFieldAccess(current: readonly FieldAccessOverrideV1[], change: FieldAccessOverrideV1): FieldAccessOverrideV1[] {
  const others = current.filter((o) => !(o.role === change.role && o.fieldGroup === change.fieldGroup));
  return change.access === DEFAULT_FIELD_ACCESS[change.role][change.fieldGroup] ? others : [...others, change];
}

/** The effective matrix for every role (or one), as the API shows it. */
export function fieldAccessViews(overrides: readonly FieldAccessOverrideV1[], onlyRole?: Role): FieldAccessView[] {
  const roles = onlyRole ? [onlyRole] : ROLES;
  return roles.flatMap((role) =>
    FIELD_GROUPS.map((fieldGroup) => {
      const builtIn = DEFAULT_FIELD_ACCESS[role][fieldGroup];
      const narrowed = role === 'admin' ? undefined : overrides.find((o) => o.role === role && o.fieldGroup === fieldGroup);
      return { role, fieldGroup, access: narrowed?.access ?? builtIn, builtIn, narrowed: narrowed !== undefined };
    }),
  );
}
