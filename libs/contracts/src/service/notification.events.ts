import type { EventEnvelope } from '../envelope';
import type { ServiceNotificationKindV1 } from './satisfaction.events';

/** An in-app notification as recorded for its recipient (ids only: what it is about is read through the API). */
export interface NotificationSnapshotV1 {
  id: string;
  /** The user it is addressed to. */
  recipientId: string;
  kind: ServiceNotificationKindV1;
  caseId: string | null;
  webhookEndpointId: string | null;
  activityId: string | null;
  /** ISO-8601 UTC; the due time of a reminder. */
  dueAt: string | null;
  createdAt: string;
}

/**
 * A notification was recorded for a member of the team (subjectId = the
 * notification's id), in the transaction that recorded it. The gateway
 * pushes it to the recipient's `myNotifications` subscriptions; nothing
 * else needs to poll the notifications table.
 */
export const NOTIFICATION_CREATED = 'service.notification.created' as const;
export type NotificationCreatedV1 = EventEnvelope<typeof NOTIFICATION_CREATED, { notification: NotificationSnapshotV1 }>;
