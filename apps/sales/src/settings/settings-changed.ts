import { actorOf, type Principal } from '@rapport/auth';
import { SALES_SETTINGS_CHANGED, type SalesSettingV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { describeAudit, type ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';

/**
 * Rules change how the whole team works, so a change is a fact like any
 * other: published whole in the change's transaction, and named in the
 * mutation's audit entry.
 */
export async function publishSettingsChanged(
  db: ServiceDatabase,
  em: EntityManager,
  principal: Principal,
  setting: SalesSettingV1,
  value: unknown,
): Promise<void> {
  await db.publish(
    em,
    newEvent({
      type: SALES_SETTINGS_CHANGED,
      tenantId: principal.tenantId,
      actor: actorOf(principal),
      subjectId: principal.tenantId,
      data: { setting, value },
    }),
  );
  describeAudit({ objectType: 'SalesSettings', objectId: principal.tenantId, details: { setting, value } });
}
