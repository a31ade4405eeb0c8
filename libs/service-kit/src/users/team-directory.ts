import { Injectable } from '@nestjs/common';
import { TenantDatabase } from '@rapport/persistence';
import { FRESH_FOR_MS } from '../access/access-settings.store';

// As long as the access settings' cache (AccessSettingsStore's FRESH_FOR_MS): a changed manager line is in force within
// the same few seconds as a changed rule, and one request (a list and its field resolvers) resolves a team once.
/** Beyond this many cached teams the cache starts over rather than growing without bound. */
const MAX_CACHED = 10_000;

/**
 * Everyone who reports to a user, directly or through other managers, from
 * the service's projection of identity's users (`identity_users.manager_id`).
 * Deactivated reports stay in the team: their records still need a manager.
 */
@Injectable()
export class TeamDirectory {
  private readonly cache = new Map<string, { ids: string[]; readAt: number }>();

  constructor(private readonly db: TenantDatabase) {}

  async reportsOf(tenantId: string, userId: string): Promise<string[]> {
    const key = `${tenantId}:${userId}`;
    const started = Date.now();
    const cached = this.cache.get(key);
    if (cached && started - cached.readAt < FRESH_FOR_MS) return cached.ids;
    const rows: { id: string }[] = await this.db.withTenant(tenantId, (em) =>
      em.query(
        // UNION (not UNION ALL) stops at users already met, so even a loop in the data ends.
        `WITH RECURSIVE team(id) AS (
           SELECT id FROM identity_users WHERE manager_id = $1
           UNION SELECT u.id FROM identity_users u JOIN team ON u.manager_id = team.id
         ) SELECT id FROM team`,
        [userId],
      ),
    );
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    const ids = rows.map((r) => r.id);
    // Fresh from when the read started, as the access settings.
    this.cache.set(key, { ids, readAt: started });
    return ids;
  }
}
