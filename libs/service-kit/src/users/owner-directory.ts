import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { badUserInput, type Principal } from '@rapport/auth';
import { ServiceDatabase } from '../service-database';
import { OWNER_WAIT_MS } from '../tokens';
import type { EntityManager } from 'typeorm';
import { isStaff, mayBeInFlight, ownerRefusal, type ProjectedUser } from './owner-rules';

export interface OwnerRef {
  /** The input field named in the error, e.g. ownerId or rules[2].ownerId. */
  field: string;
  id: string | null | undefined;
}

const POLL_MS = 50;
/** After a wait timed out for an id, further checks of it within this time refuse at once (an import batch waits once, not per row). */
const GAVE_UP_MEMORY_MS = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const callerOf = (principal: Principal) => (principal.kind === 'user' ? principal.id : null);

/**
 * Owners and assignees are checked against the service's projection of identity's
 * users (identity_users). A write checks in two steps:
 *  1. `awaitInFlight`, before its transaction: ids identity may have created
 *     a moment ago (fresh UUID v7s the projection does not know yet) are
 *     waited for, up to OWNER_WAIT_MS (each service's setting, e.g. SALES_OWNER_WAIT_MS) — outside any transaction, so no
 *     lock is held while waiting. It never refuses.
 *  2. `requireOwners` (or `refusals`), inside the write's transaction: each
 *     id must be an active staff user of the tenant; BAD_USER_INPUT names
 *     the field and the id otherwise.
 */
@Injectable()
export class OwnerDirectory {
  private readonly gaveUp = new Map<string, number>();

  constructor(
    private readonly db: ServiceDatabase,
    @Inject(OWNER_WAIT_MS) private readonly waitMs: number,
  ) {}

  async awaitInFlight(principal: Principal, ids: readonly (string | null | undefined)[]): Promise<void> {
    const started = Date.now();
    const caller = callerOf(principal);
    let waiting = [
      ...new Set(ids.filter((id): id is string => typeof id === 'string' && UUID.test(id)).map((id) => id.toLowerCase())),
    ].filter((id) => id !== caller && mayBeInFlight(id, started) && !this.recentlyGaveUp(principal.tenantId, id, started));
    if (waiting.length === 0) return;
    const deadline = started + this.waitMs;
    for (;;) {
      const known = await this.db.withTenant(principal.tenantId, (em) => this.load(em, waiting));
      waiting = waiting.filter((id) => !known.has(id));
      if (waiting.length === 0) return;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(POLL_MS, left));
    }
    this.rememberGaveUp(principal.tenantId, waiting);
  }

  /** Throws BAD_USER_INPUT on the first ref whose id cannot own records; null ids pass. */
  async requireOwners(em: EntityManager, principal: Principal, refs: OwnerRef[]): Promise<void> {
    const refusals = await this.refusals(
      em,
      principal,
      refs.map((r) => r.id),
    );
    for (const ref of refs) {
      const why = ref.id ? refusals.get(ref.id) : undefined;
      if (why) throw badUserInput(ref.field, why);
    }
  }

  /** Per id that cannot own records, why not (ids that can are absent). */
  async refusals(em: EntityManager, principal: Principal, ids: readonly (string | null | undefined)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((id): id is string => !!id))];
    const out = new Map<string, string>();
    if (wanted.length === 0) return out;
    const known = await this.load(em, wanted);
    const caller = callerOf(principal);
    for (const id of wanted) {
      const why = ownerRefusal(id, known.get(id), caller);
      if (why) out.set(id, why);
    }
    return out;
  }

  /** The ids among `ids` that are active staff users (for automatic assignment, which skips the rest silently). */
  async activeStaff(em: EntityManager, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const known = await this.load(em, ids);
    return new Set(ids.filter((id) => known.get(id)?.active && isStaff(known.get(id)?.roles ?? [])));
  }

  private async load(em: EntityManager, ids: readonly string[]): Promise<Map<string, ProjectedUser>> {
    const rows: ProjectedUser[] = await em.query(`SELECT id, active, roles FROM identity_users WHERE id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  private recentlyGaveUp(tenantId: string, id: string, now: number): boolean {
    return (this.gaveUp.get(`${tenantId}/${id}`) ?? 0) > now;
  }

  private rememberGaveUp(tenantId: string, ids: string[]): void {
    const now = Date.now();
    for (const [key, until] of this.gaveUp) if (until <= now) this.gaveUp.delete(key);
    for (const id of ids) this.gaveUp.set(`${tenantId}/${id}`, now + GAVE_UP_MEMORY_MS);
  }
}
