import { forbidden, hasRole, requireRoleOrScope, type Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';

/** Same team and rules as leads and opportunities (see access/sales-access.ts), with `activities:<read|write>` for API keys. */
const SALES_TEAM: Role[] = ['sales_manager', 'sales_rep'];

export function requireActivityRead(principal: Principal): void {
  if (principal.kind === 'customer') throw forbidden('customers cannot read activities');
  requireRoleOrScope(principal, SALES_TEAM, 'activities:read');
}

/** Reps log activities for themselves; managers and admins for anyone. */
export function requireActivityCreate(principal: Principal, ownerId: string | null): void {
  if (principal.kind === 'customer') throw forbidden('customers cannot create activities');
  requireRoleOrScope(principal, SALES_TEAM, 'activities:write');
  if (principal.kind === 'user' && !hasRole(principal, 'sales_manager') && ownerId !== principal.id) {
    throw forbidden('sales reps create activities they own themselves; ownerId must be you');
  }
}

/** Reps change their own activities, managers and admins all in the tenant. */
export function canChangeActivity(principal: Principal, ownerId: string | null): boolean {
  if (principal.kind === 'customer') return false;
  if (principal.kind === 'apiKey') return principal.scopes.includes('activities:write');
  if (hasRole(principal, 'sales_manager')) return true;
  return hasRole(principal, 'sales_rep') && ownerId !== null && ownerId === principal.id;
}

export function requireChangeActivity(principal: Principal, ownerId: string | null): void {
  if (!canChangeActivity(principal, ownerId)) throw forbidden('only the owner or a sales manager may change this activity');
}

export function requireActivityReassign(principal: Principal): void {
  if (principal.kind === 'apiKey' ? principal.scopes.includes('activities:write') : hasRole(principal, 'sales_manager')) return;
  throw forbidden('only a sales manager may change the owner');
}
