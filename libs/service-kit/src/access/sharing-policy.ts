import { Injectable } from '@nestjs/common';
import { inScope, readScope, sharingOf, writeScope, type Principal, type RecordScope } from '@rapport/auth';
import type { SharedObject } from '@rapport/contracts';
import { TeamDirectory } from '../users/team-directory';
import { AccessSettingsStore } from './access-settings.store';

/**
 * The tenant's sharing rules applied to a caller: which records of an object
 * they may see and change (libs/auth/src/sharing.ts decides; this supplies
 * the tenant's rules and the caller's team, both briefly cached). Only
 * services with an `identity_users` projection (IdentityUsersConsumer)
 * provide it.
 */
@Injectable()
export class SharingPolicy {
  constructor(
    private readonly store: AccessSettingsStore,
    private readonly teams: TeamDirectory,
  ) {}

  /** The records the caller may see; push it into SQL with scopePredicate. */
  async readScope(principal: Principal, object: SharedObject): Promise<RecordScope> {
    const access = await this.access(principal, object);
    if (access !== 'PRIVATE') return readScope(principal, object, access, []);
    return readScope(principal, object, access, await this.team(principal));
  }

  async writeScope(principal: Principal, object: SharedObject): Promise<RecordScope> {
    const access = await this.access(principal, object);
    const withoutTeam = writeScope(principal, object, access, []);
    return withoutTeam.all ? withoutTeam : writeScope(principal, object, access, await this.team(principal));
  }

  /** Both scopes at once, e.g. resolved before a write's transaction so it never waits for another pooled connection. */
  async scopes(principal: Principal, object: SharedObject): Promise<{ read: RecordScope; write: RecordScope }> {
    return { read: await this.readScope(principal, object), write: await this.writeScope(principal, object) };
  }

  async canRead(principal: Principal, object: SharedObject, ownerId: string | null): Promise<boolean> {
    return inScope(await this.readScope(principal, object), ownerId);
  }

  private async access(principal: Principal, object: SharedObject) {
    return sharingOf((await this.store.forTenant(principal.tenantId)).sharing, object);
  }

  private async team(principal: Principal): Promise<string[]> {
    if (principal.kind !== 'user' || principal.roles.includes('admin')) return [];
    return this.teams.reportsOf(principal.tenantId, principal.id);
  }
}
