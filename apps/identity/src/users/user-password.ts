import type { EntityManager } from 'typeorm';
import { UserEntity } from './user.entity';

/**
 * Stores a user's new password hash and bumps the token version, so access
 * tokens issued before the change stop working. Users own the table; the
 * password-reset flow calls this.
 */
export async function replacePassword(em: EntityManager, user: UserEntity, passwordHash: string): Promise<void> {
  user.tokenVersion += 1;
  await em.getRepository(UserEntity).update({ id: user.id }, { passwordHash, tokenVersion: user.tokenVersion });
}
