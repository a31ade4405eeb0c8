import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditFieldChangeV1, EventActor } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';

/**
 * What the audit entry of the running mutation will say. The mutation
 * interceptor opens one per mutation; domain code adds what only it knows
 * (the object, the field changes) with describeAudit, and the entry is
 * written once: in the domain's own transaction when it calls
 * AuditRecorder.record, else by the interceptor after the mutation succeeded.
 */
export interface AuditScope {
  service: string;
  /** From the principal; public mutations (sign-in) set it through describeAudit. */
  tenantId: string | null;
  actor: EventActor;
  requestId: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  changes: Record<string, AuditFieldChangeV1> | null;
  details: Record<string, unknown> | null;
  /** The transaction the entry was written in, until it commits. */
  pendingIn: EntityManager | null;
  /** The entry is in a committed outbox: nothing more to write. */
  recorded: boolean;
}

const scopes = new AsyncLocalStorage<AuditScope>();

export function runInAuditScope<T>(scope: AuditScope, work: () => T): T {
  return scopes.run(scope, work);
}

/** The running mutation's scope, or undefined in jobs, consumers and queries. */
export function currentAuditScope(): AuditScope | undefined {
  return scopes.getStore();
}

export type AuditDescription = Partial<
  Pick<AuditScope, 'tenantId' | 'actor' | 'action' | 'objectType' | 'objectId' | 'changes' | 'details'>
>;

/**
 * Adds to the running mutation's audit entry what the domain knows; a no-op
 * outside a mutation, so domain functions shared with jobs can call it freely.
 */
export function describeAudit(description: AuditDescription): void {
  const scope = scopes.getStore();
  if (!scope) return;
  for (const [key, value] of Object.entries(description)) {
    if (value !== undefined) (scope as unknown as Record<string, unknown>)[key] = value;
  }
}

/** Called by ServiceDatabase when a transaction commits: an entry written in it is now durable. */
export function auditTransactionCommitted(em: EntityManager): void {
  const scope = scopes.getStore();
  if (scope?.pendingIn === em) {
    scope.pendingIn = null;
    scope.recorded = true;
  }
}

/** Called by ServiceDatabase when a transaction rolled back: an entry written in it is gone. */
export function auditTransactionRolledBack(em: EntityManager): void {
  const scope = scopes.getStore();
  if (scope?.pendingIn === em) scope.pendingIn = null;
}
