import { badUserInput } from '@rapport/auth';
import type { EntityManager } from 'typeorm';

/**
 * Checks a user's new manager inside the tenant transaction (row-level
 * security keeps the lookup in the tenant): an active staff user, not the
 * user themselves, and not one of the user's own reports — a loop would make
 * everyone in it the manager of everyone else.
 */
export async function requireManager(em: EntityManager, userId: string | null, managerId: string): Promise<void> {
  if (managerId === userId) throw badUserInput('managerId', 'a user cannot be their own manager');
  const [manager] = await em.query(`SELECT roles, disabled FROM users WHERE id = $1`, [managerId]);
  if (!manager) throw badUserInput('managerId', `no user ${managerId}`);
  if (manager.disabled) throw badUserInput('managerId', `user ${managerId} is deactivated`);
  if ((manager.roles as string[]).includes('customer')) throw badUserInput('managerId', 'a customer cannot manage staff');
  if (userId === null) return;
  // Walks up from the proposed manager; meeting the user means the manager reports to them.
  const [loop] = await em.query(
    `WITH RECURSIVE line(id) AS (
       SELECT manager_id FROM users WHERE id = $1 AND manager_id IS NOT NULL
       UNION SELECT u.manager_id FROM users u JOIN line ON u.id = line.id WHERE u.manager_id IS NOT NULL
     ) SELECT 1 FROM line WHERE id = $2 LIMIT 1`,
    [managerId, userId],
  );
  if (loop) throw badUserInput('managerId', `user ${managerId} reports to this user; managers cannot form a loop`);
}
