import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, requireRole, type Principal } from '@rapport/auth';
import { ACCESS_CHANGED, isRole, type AccessChangedV1, type TenantAccessSettingsV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { AccessSettingsStore, readAccessSettings, ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { fieldAccessViews, validFieldAccess, withFieldAccess, type FieldAccessView } from './field-access-settings';

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

  async setFieldAccess(principal: Principal, input: { role: unknown; fieldGroup: unknown; access: unknown }): Promise<FieldAccessView> {
    requireRole(principal, 'admin');
    const change = validFieldAccess(input);
    const settings = await this.db.withTenant(principal.tenantId, async (em) => {
      const current = await this.lockSettings(em, principal.tenantId);
      const next: TenantAccessSettingsV1 = {
        ...current,
        revision: current.revision + 1,
        fieldAccess: withFieldAccess(current.fieldAccess, change),
      };
      await this.save(em, principal, next, 'fieldAccess');
      return next;
    });
    this.store.forget(principal.tenantId);
    const [view] = fieldAccessViews(settings.fieldAccess, change.role).filter((v) => v.fieldGroup === change.fieldGroup);
    return view;
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
