import { Injectable } from '@nestjs/common';
import { forbidden, inScope, ownerScope, readScope, sharingOf, writeScope, type Principal, type RecordScope } from '@rapport/auth';
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

  async canRead(principal: Principal, object: SharedObject, ownerId: string | null): Promise<boolean> {
    return inScope(await this.readScope(principal, object), ownerId);
  }

  async canWrite(principal: Principal, object: SharedObject, ownerId: string | null): Promise<boolean> {
    return inScope(await this.writeScope(principal, object), ownerId);
  }

  /** For a record the caller can see: FORBIDDEN unless they may also change it. */
  async requireWrite(principal: Principal, object: SharedObject, ownerId: string | null): Promise<void> {
    if (!(await this.canWrite(principal, object, ownerId))) {
      throw forbidden(`only the owner, the owner's managers and admins may change this ${object.toLowerCase()} (tenant sharing rule)`);
    }
  }

  /** The caller's side as owner, whatever the rule (e.g. "my team's records"). */
  async ownerScope(principal: Principal, object: SharedObject): Promise<RecordScope> {
    return ownerScope(principal, object, await this.team(principal));
  }

  private async access(principal: Principal, object: SharedObject) {
    return sharingOf((await this.store.forTenant(principal.tenantId)).sharing, object);
  }

  private async team(principal: Principal): Promise<string[]> {
    if (principal.kind !== 'user' || principal.roles.includes('admin')) return [];
    return this.teams.reportsOf(principal.tenantId, principal.id);
  }
}
