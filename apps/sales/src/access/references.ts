import { badUserInput, inScope, type RecordScope } from '@rapport/auth';
import type { EntityManager } from 'typeorm';

/**
 * The accounts and contacts a write may name (a contact's account, an
 * opportunity's account and primary contact): resolved before the write's
 * transaction, like every sharing scope.
 */
export interface ReferenceScopes {
  accounts: RecordScope;
  contacts: RecordScope;
}

/**
 * A record a write names must exist in the tenant (row-level security makes
 * the lookup tenant-safe; a foreign key alone would accept another tenant's
 * row) and, under the tenant's sharing, be one the caller may see: a hidden
 * one is refused exactly like a missing one, so a write cannot probe for it.
 * Without a scope (a write the platform makes for the caller, e.g. a lead
 * conversion that found the record itself) only existence is checked.
 */
async function requireReference(
  em: EntityManager,
  table: 'accounts' | 'contacts',
  label: string,
  field: string,
  id: string,
  visible?: RecordScope,
): Promise<void> {
  const [row]: { owner_id: string | null }[] = await em.query(`SELECT owner_id FROM ${table} WHERE id = $1`, [id]);
  if (!row || (visible && !inScope(visible, row.owner_id))) throw badUserInput(field, `no ${label} ${id}`);
}

export function assertAccountExists(em: EntityManager, field: string, id: string, visible?: RecordScope): Promise<void> {
  return requireReference(em, 'accounts', 'account', field, id, visible);
}

export async function assertContactExists(em: EntityManager, field: string, id: string | null, visible?: RecordScope): Promise<void> {
  if (id) await requireReference(em, 'contacts', 'contact', field, id, visible);
}
