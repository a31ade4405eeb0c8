/**
 * Pure rules for who may own or be assigned records (see ADR 007): an active
 * staff user of the tenant as the service's projection of identity knows them, and how
 * long to wait for a user identity may have created a moment ago.
 */

/** Roles that are not staff: such users (self-service customers, partner keys) never own records. */
const NON_STAFF_ROLES = new Set(['customer', 'partner']);

/** A UUID v7 whose time is within this long before now may belong to a user whose identity.user.created is still in flight. */
export const IN_FLIGHT_WINDOW_MS = 2 * 60_000;
/** Tolerated clock difference between identity's host and ours (a v7 id "from the future"). */
const CLOCK_SKEW_MS = 5_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ProjectedUser {
  id: string;
  active: boolean;
  roles: string[];
}

export function isStaff(roles: readonly string[]): boolean {
  return roles.some((r) => !NON_STAFF_ROLES.has(r));
}

/** Milliseconds since the epoch embedded in a UUID v7, or null for any other id. */
export function uuidV7Time(id: string): number | null {
  if (!UUID.test(id) || id[14] !== '7') return null;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/**
 * Whether an id unknown to the projection could be a user created so
 * recently that its event has not arrived yet. Identity mints user ids as
 * UUID v7, so the id itself says when the user was created: a random or old
 * id is refused at once, a fresh one is worth a short wait.
 */
export function mayBeInFlight(id: string, now: number): boolean {
  const t = uuidV7Time(id);
  return t !== null && t >= now - IN_FLIGHT_WINDOW_MS && t <= now + CLOCK_SKEW_MS;
}

/**
 * Why `id` cannot own a record, or null when it can. `user` is what the
 * projection knows (undefined: nothing). The caller may name themselves even
 * before the projection knows them — their access token is identity's word
 * that they are a user of this tenant — but not once it says they are
 * deactivated.
 */
export function ownerRefusal(id: string, user: ProjectedUser | undefined, callerId: string | null): string | null {
  if (!user) return id === callerId ? null : `no active user ${id} in this tenant`;
  if (!user.active) return `user ${id} is deactivated`;
  if (!isStaff(user.roles)) return `user ${id} is not staff (roles ${user.roles.join(', ')}) and cannot own records`;
  return null;
}
