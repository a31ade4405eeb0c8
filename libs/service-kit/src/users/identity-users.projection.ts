import {
  USER_CREATED,
  USER_DEACTIVATED,
  USER_INVITATION_REVOKED,
  USER_INVITED,
  USER_PASSWORD_RESET,
  USER_UPDATED,
  type EventEnvelope,
  type UserCreatedV1,
  type UserDeactivatedV1,
  type UserPasswordResetV1,
  type UserUpdatedV1,
} from '@rapport/contracts';
import type { EntityManager } from 'typeorm';

/** The identity.user.* events that carry the whole user (a password reset too: it raises the token version). */
export const USER_EVENT_TYPES = [USER_CREATED, USER_UPDATED, USER_DEACTIVATED, USER_PASSWORD_RESET] as const;

/** identity.user.* events about no user yet: an invitation becomes one only when accepted (identity.user.created). */
const NOT_A_USER_YET: readonly string[] = [USER_INVITED, USER_INVITATION_REVOKED];

type UserEvent = UserCreatedV1 | UserUpdatedV1 | UserDeactivatedV1 | UserPasswordResetV1;

/**
 * Applies one identity.user.* event to `identity_users` (the services that
 * check owners or resolve teams for sharing keep one) (inside the
 * consumer's tenant transaction). Every event carries the whole user, so the
 * row simply becomes that user — unless the row already reflects a later
 * event (ids are UUID v7, ordered by time), which makes redelivery and
 * out-of-order arrival harmless. Events from before `active` existed count
 * as active, except a deactivation, and without a manager (none existed).
 * 'skipped' is an event known to concern no user yet; 'ignored' one this
 * code does not understand (worth a warning).
 */
export async function applyUserEvent(em: EntityManager, event: EventEnvelope): Promise<'applied' | 'stale' | 'skipped' | 'ignored'> {
  if (NOT_A_USER_YET.includes(event.type)) return 'skipped';
  if (!(USER_EVENT_TYPES as readonly string[]).includes(event.type)) return 'ignored';
  const { user } = (event as UserEvent).data ?? {};
  if (!user || typeof user.id !== 'string' || !Array.isArray(user.roles)) return 'ignored';
  const active = event.type === USER_DEACTIVATED ? false : (user.active ?? true);
  const rows: unknown[] = await em.query(
    `INSERT INTO identity_users (id, tenant_id, email, display_name, roles, active, manager_id, last_event_id, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
     ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, display_name = EXCLUDED.display_name, roles = EXCLUDED.roles,
       active = EXCLUDED.active, manager_id = EXCLUDED.manager_id, last_event_id = EXCLUDED.last_event_id, updated_at = now()
     WHERE identity_users.last_event_id < EXCLUDED.last_event_id
     RETURNING id`,
    [user.id, event.tenantId, user.email ?? '', user.displayName ?? '', user.roles, active, user.managerId ?? null, event.id],
  );
  return rows.length > 0 ? 'applied' : 'stale';
}
