import type { Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import type { EndpointRow } from './webhook-rows';

/**
 * Whose eyes a delivery goes out with: the user or API key that created the
 * endpoint, as they are now (identity owns both tables) — a user who lost a
 * role, or a revoked key, stops receiving what they may no longer read.
 * Null when the owner is gone, deactivated or revoked.
 */
export async function readerOf(
  em: EntityManager,
  endpoint: Pick<EndpointRow, 'tenantId' | 'ownerKind' | 'ownerId'>,
): Promise<Principal | null> {
  const base = { tenantId: endpoint.tenantId, id: endpoint.ownerId, contactId: null };
  if (endpoint.ownerKind === 'apiKey') {
    const [key] = await em.query(`SELECT scopes FROM api_keys WHERE id = $1 AND revoked_at IS NULL`, [endpoint.ownerId]);
    return key ? { ...base, kind: 'apiKey', roles: ['partner'], scopes: key.scopes as string[] } : null;
  }
  const [user] = await em.query(`SELECT roles FROM users WHERE id = $1 AND NOT disabled`, [endpoint.ownerId]);
  return user ? { ...base, kind: 'user', roles: user.roles as Role[], scopes: [] } : null;
}

/** The tenant's active admins: who is told when one of its endpoints is disabled. */
export async function activeAdmins(em: EntityManager): Promise<string[]> {
  const rows: { id: string }[] = await em.query(`SELECT id FROM users WHERE 'admin' = ANY(roles) AND NOT disabled ORDER BY id`);
  return rows.map((r) => r.id);
}
