import { badUserInput } from '@rapport/auth';
import type { ServiceNotificationKindV1 } from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

export const NOTIFICATION_KINDS: readonly ServiceNotificationKindV1[] = [
  'CASE_ESCALATED',
  'WEBHOOK_DISABLED',
  'ACTIVITY_DUE',
  'CASE_ASSIGNED',
  'SLA_WARNING',
  'SLA_BREACHED',
];

/** A user's choice of what reaches them by email; every notification is in myNotifications regardless. */
export interface NotificationPreferences {
  email: boolean;
  /** The kinds emailed; null: every kind. */
  kinds: ServiceNotificationKindV1[] | null;
}

/**
 * Without a choice of their own, nobody is emailed: mail a person did not
 * ask for is the kind they learn to filter away (ADR 049).
 */
export const DEFAULT_PREFERENCES: NotificationPreferences = { email: false, kinds: null };

export function validatePreferences(input: { email?: boolean | null; kinds?: string[] | null }): NotificationPreferences {
  if (typeof input.email !== 'boolean') throw badUserInput('email', 'must be true or false');
  if (input.kinds == null) return { email: input.email, kinds: null };
  const unknown = input.kinds.find((k) => !(NOTIFICATION_KINDS as readonly string[]).includes(k));
  if (unknown !== undefined) throw badUserInput('kinds', `unknown notification kind ${JSON.stringify(unknown)}`);
  return { email: input.email, kinds: [...new Set(input.kinds as ServiceNotificationKindV1[])] };
}

/** Whether a notification of this kind goes to the user by email. */
export function wantsEmail(p: NotificationPreferences, kind: ServiceNotificationKindV1): boolean {
  return p.email && (p.kinds === null || p.kinds.includes(kind));
}

export async function preferencesOf(em: EntityManager, userId: string): Promise<NotificationPreferences> {
  const [row] = returnedRows<NotificationPreferences>(
    await em.query(`SELECT email, kinds FROM notification_preferences WHERE user_id = $1`, [userId]),
  );
  return row ? { email: row.email, kinds: row.kinds } : DEFAULT_PREFERENCES;
}

export async function savePreferences(em: EntityManager, tenantId: string, userId: string, p: NotificationPreferences): Promise<void> {
  await em.query(
    `INSERT INTO notification_preferences (tenant_id, user_id, email, kinds, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (tenant_id, user_id) DO UPDATE SET email = EXCLUDED.email, kinds = EXCLUDED.kinds, updated_at = now()`,
    [tenantId, userId, p.email, p.kinds],
  );
}
