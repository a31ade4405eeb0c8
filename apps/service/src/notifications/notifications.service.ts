import { Injectable } from '@nestjs/common';
import { forbidden, notFound, type Principal } from '@rapport/auth';
import type { ActivitySnapshotV1, ServiceNotificationKindV1, WebhookDisabledV1 } from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { requireServiceAdmin } from '../access/service-access';
import type { QueueView } from '../routing/routing.service';
import { RoutingService } from '../routing/routing.service';

export interface NotificationView {
  id: string;
  recipientId: string;
  kind: ServiceNotificationKindV1;
  caseId: string | null;
  webhookEndpointId: string | null;
  activityId: string | null;
  dueAt: Date | null;
  createdAt: Date;
  readAt: Date | null;
}

const COLUMNS = `id, recipient_id AS "recipientId", kind, case_id AS "caseId", webhook_endpoint_id AS "webhookEndpointId",
  activity_id AS "activityId", due_at AS "dueAt", created_at AS "createdAt", read_at AS "readAt"`;

/**
 * In-app notifications of the team. An escalation into a queue notifies its
 * manager in the escalation's own transaction; a sales activity falling due
 * notifies its owner (ActivityReminderConsumer). Delivery by email or push
 * is left to marketing's channel adapters (not built yet); this service
 * only records the notification.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly routing: RoutingService,
  ) {}

  async setQueueManager(principal: Principal, input: { queueId: string; managerId?: string | null }): Promise<QueueView> {
    requireServiceAdmin(principal);
    const queueId = validate.requireUuid('queueId', input.queueId);
    const managerId = validate.optionalUuid('managerId', input.managerId) ?? null;
    return this.db.withTenant(principal.tenantId, async (em) => {
      if (!(await this.routing.setManager(em, queueId, managerId))) throw notFound('SupportQueue', queueId);
      return (await this.routing.queuesById(em, [queueId])).get(queueId) as QueueView;
    });
  }

  /** Inside the escalation's transaction: the target queue's manager, if it has one, is told. */
  async escalated(em: EntityManager, tenantId: string, caseId: string, queueId: string | null, at: Date): Promise<void> {
    if (!queueId) return;
    await em.query(
      `INSERT INTO notifications (id, tenant_id, recipient_id, kind, case_id, created_at)
       SELECT $1, $2, manager_id, 'CASE_ESCALATED', $3, $4 FROM support_queues WHERE id = $5 AND manager_id IS NOT NULL`,
      [uuidv7(), tenantId, caseId, at, queueId],
    );
  }

  /** Inside the event's inbox transaction: each admin identity named is told the endpoint was disabled. */
  async webhookDisabled(em: EntityManager, event: WebhookDisabledV1): Promise<void> {
    for (const recipientId of event.data.notify)
      await em.query(
        `INSERT INTO notifications (id, tenant_id, recipient_id, kind, webhook_endpoint_id, created_at) VALUES ($1, $2, $3, 'WEBHOOK_DISABLED', $4, $5)`,
        [uuidv7(), event.tenantId, recipientId, event.data.endpoint.id, new Date(event.data.endpoint.disabledAt)],
      );
  }

  /** An activity fell due: its owner is told, once per activity and due time. */
  async activityDue(em: EntityManager, tenantId: string, activity: ActivitySnapshotV1, at: Date): Promise<void> {
    if (!activity.ownerId || !activity.dueAt) return;
    await em.query(
      `INSERT INTO notifications (id, tenant_id, recipient_id, kind, activity_id, due_at, created_at)
       VALUES ($1, $2, $3, 'ACTIVITY_DUE', $4, $5, $6) ON CONFLICT DO NOTHING`,
      [uuidv7(), tenantId, activity.ownerId, activity.id, activity.dueAt, at],
    );
  }

  /** The caller's notifications, newest first. */
  async mine(principal: Principal, args: { unreadOnly?: boolean | null; first?: number | null }): Promise<NotificationView[]> {
    if (principal.kind !== 'user') throw forbidden('notifications are for signed-in staff');
    const first = validate.pageSize(args.first);
    return this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT ${COLUMNS} FROM notifications WHERE recipient_id = $1 AND (NOT $2 OR read_at IS NULL)
          ORDER BY created_at DESC, id DESC LIMIT $3`,
        [principal.id, args.unreadOnly ?? false, first],
      ),
    );
  }

  /** Marks one of the caller's notifications read (idempotent: the first read time stays). */
  async markRead(principal: Principal, id: string): Promise<NotificationView> {
    if (principal.kind !== 'user') throw forbidden('notifications are for signed-in staff');
    const notificationId = validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const result: unknown = await em.query(
        `UPDATE notifications SET read_at = coalesce(read_at, $3) WHERE id = $1 AND recipient_id = $2 RETURNING ${COLUMNS}`,
        [notificationId, principal.id, new Date()],
      );
      const [row] = returnedRows<NotificationView>(result);
      if (!row) throw notFound('Notification', notificationId);
      return row;
    });
  }
}
