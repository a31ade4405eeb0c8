import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, requireRole, type Principal } from '@rapport/auth';
import { ACCESS_CHANGED, isRole, type AccessChangedV1, type TenantAccessSettingsV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { AccessSettingsStore, readAccessSettings, ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { fieldAccessViews, validFieldAccess, withFieldAccess, type FieldAccessView } from './field-access-settings';
import { sharingRuleViews, validSharingRule, withSharingRule, type SharingRuleView } from './sharing-settings';

/**
 * A tenant's access settings, kept here and published whole as
 * identity.access.changed with every change, so each service replaces its
 * copy without needing the history.
 */
@Injectable()
export class AccessSettingsService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly store: AccessSettingsStore,
  ) {}

  async fieldAccess(principal: Principal, role?: string | null): Promise<FieldAccessView[]> {
    requireRole(principal, 'admin');
    if (role != null && !isRole(role)) throw badUserInput('role', `unknown role ${JSON.stringify(role)}`);
    const settings = await this.db.withTenant(principal.tenantId, (em) => readAccessSettings(em));
    return fieldAccessViews(settings.fieldAccess, role ?? undefined);
  }

  async sharingRules(principal: Principal): Promise<SharingRuleView[]> {
    requireRole(principal, 'admin');
    const settings = await this.db.withTenant(principal.tenantId, (em) => readAccessSettings(em));
    return sharingRuleViews(settings.sharing);
  }

  async setSharingRules(principal: Principal, input: { object: unknown; access: unknown }): Promise<SharingRuleView> {
    requireRole(principal, 'admin');
    const change = validSharingRule(input);
    const settings = await this.change(principal, 'sharing', (current) => ({ sharing: withSharingRule(current.sharing, change) }));
    const [view] = sharingRuleViews(settings.sharing).filter((v) => v.object === change.object);
    return view;
  }

  async setFieldAccess(principal: Principal, input: { role: unknown; fieldGroup: unknown; access: unknown }): Promise<FieldAccessView> {
    requireRole(principal, 'admin');
    const change = validFieldAccess(input);
    const settings = await this.change(principal, 'fieldAccess', (current) => ({
      fieldAccess: withFieldAccess(current.fieldAccess, change),
    }));
    const [view] = fieldAccessViews(settings.fieldAccess, change.role).filter((v) => v.fieldGroup === change.fieldGroup);
    return view;
  }

  /** One change of the settings: locked, revision + 1, stored and published in one transaction. */
  private async change(
    principal: Principal,
    changed: AccessChangedV1['data']['changed'],
    apply: (current: TenantAccessSettingsV1) => Partial<TenantAccessSettingsV1>,
  ): Promise<TenantAccessSettingsV1> {
    const settings = await this.db.withTenant(principal.tenantId, async (em) => {
      const current = await this.lockSettings(em, principal.tenantId);
      // Rows written before sharing existed may lack it.
      const base = { ...current, sharing: current.sharing ?? [] };
      const next: TenantAccessSettingsV1 = { ...base, ...apply(base), revision: current.revision + 1 };
      await this.save(em, principal, next, changed);
      return next;
    });
    this.store.forget(principal.tenantId);
    return settings;
  }

  /** The settings row locked for the change, created with the defaults the first time. */
  private async lockSettings(em: EntityManager, tenantId: string): Promise<TenantAccessSettingsV1> {
    await em.query(
      `INSERT INTO tenant_access_settings (tenant_id, revision, settings) VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING`,
      [tenantId, JSON.stringify({ revision: 0, fieldAccess: [], sharing: [] })],
    );
    const [row] = await em.query(`SELECT settings FROM tenant_access_settings WHERE tenant_id = $1 FOR UPDATE`, [tenantId]);
    return row.settings as TenantAccessSettingsV1;
  }

  private async save(
    em: EntityManager,
    principal: Principal,
    settings: TenantAccessSettingsV1,
    changed: AccessChangedV1['data']['changed'],
  ): Promise<void> {
    await em.query(`UPDATE tenant_access_settings SET revision = $2, settings = $3, updated_at = now() WHERE tenant_id = $1`, [
      principal.tenantId,
      settings.revision,
      JSON.stringify(settings),
    ]);
    await this.db.publish(
      em,
      newEvent({
        type: ACCESS_CHANGED,
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        subjectId: principal.tenantId,
        data: { settings, changed },
      }),
    );
  }
}
