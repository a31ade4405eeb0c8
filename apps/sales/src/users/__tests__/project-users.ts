import type { INestApplication } from '@nestjs/common';
import { SYSTEM_ACTOR, USER_CREATED, USER_DEACTIVATED, USER_UPDATED } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { applyUserEvent, ServiceDatabase } from '@rapport/service-kit';

export interface TestUser {
  tenantId: string;
  id: string;
  roles: readonly string[];
  managerId?: string | null;
}

const TYPES = { created: USER_CREATED, updated: USER_UPDATED, deactivated: USER_DEACTIVATED } as const;

/**
 * For specs that call sales' services directly, without identity: applies
 * identity.user.* events to sales' projection exactly as its consumer does.
 */
export async function projectUsers(
  app: INestApplication,
  users: readonly TestUser[],
  change: keyof typeof TYPES = 'created',
  active = change !== 'deactivated',
): Promise<void> {
  const db = app.get(ServiceDatabase);
  for (const u of users) {
    const event = newEvent({
      type: TYPES[change],
      tenantId: u.tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: u.id,
      data: {
        user: {
          id: u.id,
          email: `${u.id.slice(0, 8)}@users.test`,
          displayName: 'Test user',
          roles: [...u.roles],
          active,
          managerId: u.managerId ?? null,
        },
      },
    });
    await db.withTenant(u.tenantId, (em) => applyUserEvent(em, event));
  }
}
