import { Injectable } from '@nestjs/common';
import { forbidden, notFound, type Principal } from '@rapport/auth';
import type { ActivitySnapshotV1, ServiceNotificationKindV1, WebhookDisabledV1 } from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import { OwnerDirectory, ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { requireServiceAdmin } from '../access/service-access';
import type { QueueView } from '../routing/routing.service';
import { RoutingService } from '../routing/routing.service';
import { recordNotification, type NewNotification } from './notification-record';
import { preferencesOf, savePreferences, validatePreferences, type NotificationPreferences } from './notification-preferences';

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
 * In-app notifications of the team. An escalation rule's NOTIFY action
 * records them in the escalation's own transaction (escalation/); a sales activity falling due
 * notifies its owner (ActivityReminderConsumer); an assignment and an SLA
 * warning or breach notify the case's owner (routing, SLA timers). Each one recorded is
 * published (`service.notification.created`) in the same transaction, so the
 * gateway pushes it to the recipient's `myNotifications` subscriptions.
 * Each one is also emailed to a recipient who asked for it
 * (NotificationEmailConsumer, per-user preferences below).
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly routing: RoutingService,
    private readonly owners: OwnerDirectory,
  ) {}

  async setQueueManager(principal: Principal, input: { queueId: string; managerId?: string | null }): Promise<QueueView> {
    requireServiceAdmin(principal);
    const queueId = validate.requireUuid('queueId', input.queueId);
    const managerId = validate.optionalUuid('managerId', input.managerId) ?? null;
    // The manager receives the queue's escalations and SLA warnings: an id identity does not know as active staff would receive nothing.
    await this.owners.awaitInFlight(principal, [managerId]);
    return this.db.withTenant(principal.tenantId, async (em) => {
      await this.owners.requireOwners(em, principal, [{ field: 'managerId', id: managerId }]);
      if (!(await this.routing.setManager(em, queueId, managerId))) throw notFound('SupportQueue', queueId);
      return (await this.routing.queuesById(em, [queueId])).get(queueId) as QueueView;
    });
  }

  /** Inside the event's inbox transaction: each admin identity named is told the endpoint was disabled. */
  async webhookDisabled(em: EntityManager, event: WebhookDisabledV1): Promise<void> {
    for (const recipientId of event.data.notify)
      await this.record(em, event.tenantId, {
        recipientId,
        kind: 'WEBHOOK_DISABLED',
        webhookEndpointId: event.data.endpoint.id,
        createdAt: new Date(event.data.endpoint.disabledAt),
      });
  }

  /** An activity fell due: its owner is told, once per activity and due time. */
  async activityDue(em: EntityManager, tenantId: string, activity: ActivitySnapshotV1, at: Date): Promise<void> {
    if (!activity.ownerId || !activity.dueAt) return;
    await this.record(em, tenantId, {
      recipientId: activity.ownerId,
      kind: 'ACTIVITY_DUE',
      activityId: activity.id,
      dueAt: new Date(activity.dueAt),
      createdAt: at,
    });
  }

  private record(em: EntityManager, tenantId: string, n: NewNotification): Promise<void> {
    return recordNotification(this.db, em, tenantId, n);
  }

  /** The caller's choice of notifications by email (the default when they made none). */
  async myPreferences(principal: Principal): Promise<NotificationPreferences> {
    if (principal.kind !== 'user') throw forbidden('notification preferences are for signed-in staff');
    return this.db.withTenant(principal.tenantId, (em) => preferencesOf(em, principal.id));
  }

  /** Replaces the caller's choice of notifications by email; applies to notifications recorded from now on. */
  async setMyPreferences(
    principal: Principal,
    input: { email?: boolean | null; kinds?: string[] | null },
  ): Promise<NotificationPreferences> {
    if (principal.kind !== 'user') throw forbidden('notification preferences are for signed-in staff');
    const preferences = validatePreferences(input);
    return this.db.withTenant(principal.tenantId, async (em) => {
      await savePreferences(em, principal.tenantId, principal.id, preferences);
      return preferences;
    });
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

  /** One of the caller's notifications; null when there is none or it is someone else's. */
  async one(principal: Principal, id: string): Promise<NotificationView | null> {
    if (principal.kind !== 'user') throw forbidden('notifications are for signed-in staff');
    const notificationId = validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const [row] = returnedRows<NotificationView>(
        await em.query(`SELECT ${COLUMNS} FROM notifications WHERE id = $1 AND recipient_id = $2`, [notificationId, principal.id]),
      );
      return row ?? null;
    });
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
