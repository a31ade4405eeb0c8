import { Injectable } from '@nestjs/common';
import { allowsFieldAccess, fieldAccessOf, requireFieldAccess, type FieldAccessOverrides, type Principal } from '@rapport/auth';
import type { AccessLevel, FieldGroup } from '@rapport/contracts';
import { AccessSettingsStore } from './access-settings.store';

/**
 * The field-level checks every subgraph makes on the parts of a customer it
 * serves: the built-in matrix (libs/contracts/src/access) narrowed by the
 * caller's tenant's settings.
 */
@Injectable()
export class AccessPolicy {
  constructor(private readonly store: AccessSettingsStore) {}

  /** The caller's tenant's narrowings, for the pure checks that take them (e.g. sales-access). */
  async overrides(principal: Principal): Promise<FieldAccessOverrides> {
    return (await this.store.forTenant(principal.tenantId)).fieldAccess;
  }

  async fieldAccess(principal: Principal, group: FieldGroup): Promise<AccessLevel> {
    return fieldAccessOf(principal, group, (await this.store.forTenant(principal.tenantId)).fieldAccess);
  }

  async allows(principal: Principal, group: FieldGroup, needed: AccessLevel = 'READ'): Promise<boolean> {
    return allowsFieldAccess(principal, group, needed, (await this.store.forTenant(principal.tenantId)).fieldAccess);
  }

  /** Throws FORBIDDEN naming the group; in a field resolver that nulls only the field. */
  async require(principal: Principal, group: FieldGroup, needed: AccessLevel = 'READ'): Promise<void> {
    requireFieldAccess(principal, group, needed, (await this.store.forTenant(principal.tenantId)).fieldAccess);
  }
}
