import type { EntityManager } from 'typeorm';

/**
 * Ends every refresh token of a user still in use: after a password reset,
 * a deactivation or a detected reuse, no earlier session may mint new access
 * tokens. Auth owns the table; other features call this.
 */
export async function revokeRefreshTokensOf(em: EntityManager, userId: string): Promise<void> {
  await em.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
}
