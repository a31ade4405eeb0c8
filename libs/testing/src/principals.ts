import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';

/** A signed-in staff user of a tenant, for calling services directly in tests. */
export function userPrincipal(tenantId: string, roles: Role[], id: string = randomUUID()): Principal {
  return { kind: 'user', tenantId, id, roles, scopes: [], contactId: null };
}
