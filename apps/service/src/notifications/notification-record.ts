import { NOTIFICATION_CREATED, SYSTEM_ACTOR, type ServiceNotificationKindV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { returnedRows } from '@rapport/persistence';
import type { ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

/** A notification to record: its recipient, what it is about, and when it happened. */
export interface NewNotification {
  recipientId: string;
  kind: ServiceNotificationKindV1;
  caseId?: string | null;
  webhookEndpointId?: string | null;
  activityId?: string | null;
  /** A reminder's due time; an SLA warning's or breach's clock due time. */
  dueAt?: Date | null;
  createdAt: Date;
  /** An escalation rule asked for email: sent whatever the recipient's preference (ADR 051). */
  emailRequested?: boolean;
}

/**
 * Records one notification and publishes it (`service.notification.created`)
 * in the caller's transaction, so the gateway pushes it to the recipient's
 * `myNotifications` subscriptions. A plain function, not a service method:
 * routing and SLA timers record notifications too, and the notifications
 * service depends on routing. A duplicate (the same reminder again) is
 * neither recorded nor published.
 */
export async function recordNotification(db: ServiceDatabase, em: EntityManager, tenantId: string, n: NewNotification): Promise<void> {
  const id = uuidv7();
  const inserted = returnedRows(
    await em.query(
      `INSERT INTO notifications (id, tenant_id, recipient_id, kind, case_id, webhook_endpoint_id, activity_id, due_at, created_at, email_requested)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING id`,
      [
        id,
        tenantId,
        n.recipientId,
        n.kind,
        n.caseId ?? null,
        n.webhookEndpointId ?? null,
        n.activityId ?? null,
        n.dueAt ?? null,
        n.createdAt,
        n.emailRequested ?? false,
      ],
    ),
  );
  if (inserted.length === 0) return;
  const notification = {
    id,
    recipientId: n.recipientId,
    kind: n.kind,
    caseId: n.caseId ?? null,
    webhookEndpointId: n.webhookEndpointId ?? null,
    activityId: n.activityId ?? null,
    dueAt: n.dueAt ? n.dueAt.toISOString() : null,
    createdAt: n.createdAt.toISOString(),
  };
  await db.publish(em, newEvent({ type: NOTIFICATION_CREATED, tenantId, actor: SYSTEM_ACTOR, subjectId: id, data: { notification } }));
}
