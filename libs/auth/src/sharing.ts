import { DEFAULT_SHARING, type Role, type SharedObject, type SharingAccess, type SharingRuleV1 } from '@rapport/contracts';
import { hasRole } from './access';
import { forbidden } from './errors';
import type { Principal } from './principal';

/**
 * Which records of an object a caller reaches, by owner: every record, or
 * those owned by one of `ownerIds` (the caller and their reports) and, when
 * `unowned`, those without an owner. Records only — which parts of a record
 * is the field-access matrix's business (field-access.ts).
 */
export type RecordScope = { all: true } | { all: false; ownerIds: readonly string[]; unowned: boolean };

export const EVERY_RECORD: RecordScope = { all: true };
/** No record at all: for a kind of record the caller's role may not read, whatever the sharing. */
export const NO_RECORD: RecordScope = { all: false, ownerIds: [], unowned: false };

/**
 * The role that assigns and oversees an object's records: it sees unowned
 * records under PRIVATE (someone must hand them out) and, as before sharing
 * existed, changes every record it reads under PUBLIC_READ_ONLY.
 */
const MANAGER_ROLE: Record<SharedObject, Role> = {
  CONTACT: 'sales_manager',
  ACCOUNT: 'sales_manager',
  LEAD: 'sales_manager',
  OPPORTUNITY: 'sales_manager',
  CASE: 'support_manager',
};

/** The tenant's sharing of an object: its rule, or the built-in default. */
export function sharingOf(rules: readonly SharingRuleV1[] | undefined, object: SharedObject): SharingAccess {
  return rules?.find((r) => r.object === object)?.access ?? DEFAULT_SHARING[object];
}

/**
 * The records a caller stands for as owner: admins and API keys every record
 * (integrations act for the whole tenant; their scopes limit them), customers
 * every record too (they only ever reach their own contact and cases, which
 * the services check by contact), users what they or their reports own
 * (`teamIds`, transitive) and, holding the object's manager role, unowned ones.
 */
export function ownerScope(principal: Principal, object: SharedObject, teamIds: readonly string[]): RecordScope {
  if (principal.kind !== 'user' || principal.roles.includes('admin')) return EVERY_RECORD;
  return { all: false, ownerIds: [principal.id, ...teamIds], unowned: hasRole(principal, MANAGER_ROLE[object]) };
}

/** Which records the caller may see at all: under PRIVATE only the owner's side, otherwise every one. */
export function readScope(principal: Principal, object: SharedObject, access: SharingAccess, teamIds: readonly string[]): RecordScope {
  return access === 'PRIVATE' ? ownerScope(principal, object, teamIds) : EVERY_RECORD;
}

/**
 * Which records the caller may change (on top of the role's WRITE on the
 * record's field groups): every one under PUBLIC_READ_WRITE; under
 * PUBLIC_READ_ONLY the owner's side, and the object's manager role all it
 * reads; under PRIVATE the owner's side.
 */
export function writeScope(principal: Principal, object: SharedObject, access: SharingAccess, teamIds: readonly string[]): RecordScope {
  if (access === 'PUBLIC_READ_WRITE') return EVERY_RECORD;
  if (access === 'PUBLIC_READ_ONLY' && hasRole(principal, MANAGER_ROLE[object])) return EVERY_RECORD;
  return ownerScope(principal, object, teamIds);
}

/** For a record the caller can see: FORBIDDEN unless its owner is in their write scope. */
export function requireWritable(writable: RecordScope, object: SharedObject, ownerId: string | null): void {
  if (!inScope(writable, ownerId)) {
    throw forbidden(`only the owner, the owner's managers and admins may change this ${object.toLowerCase()} (tenant sharing rule)`);
  }
}

export function inScope(scope: RecordScope, ownerId: string | null): boolean {
  if (scope.all) return true;
  return ownerId === null ? scope.unowned : scope.ownerIds.includes(ownerId);
}

/**
 * The scope as one SQL predicate on an owner column, for lists, counts and
 * lookups (so pages and totals only ever hold visible records); null when
 * every record is in scope. `placeholder` is where the caller binds
 * `scope.ownerIds` (`:owners` in a TypeORM query builder, `$3` in raw SQL).
 * One `= ANY` on the indexed owner column, whatever the team's size.
 */
export function scopePredicate(scope: RecordScope, column: string, placeholder: string): string | null {
  if (scope.all) return null;
  return scope.unowned ? `(${column} = ANY(${placeholder}) OR ${column} IS NULL)` : `${column} = ANY(${placeholder})`;
}
