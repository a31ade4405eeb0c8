import type { EntityManager } from 'typeorm';
import { AccountEntity } from './account.entity';

/**
 * New accounts, however many, in one multi-row INSERT (the import's path;
 * their external ids are written by external-ids, their events by the
 * caller, in the same transaction).
 */
export async function insertAccounts(em: EntityManager, accounts: readonly AccountEntity[]): Promise<void> {
  if (accounts.length === 0) return;
  await em.getRepository(AccountEntity).insert(accounts.map(({ externalIds: _x, ...a }) => a));
}
