import type { EventEnvelope } from '@rapport/contracts';
import type { ActivityEntity } from './activity.entity';
import type { ActivityTargetType, ActivityType } from './activity-rules';

// Sales-internal until another service consumes them; then they move to @rapport/contracts like the other sales events.
export const ACTIVITY_CREATED = 'sales.activity.created' as const;
export const ACTIVITY_COMPLETED = 'sales.activity.completed' as const;
export const ACTIVITY_DUE = 'sales.activity.due' as const;

export interface ActivitySnapshotV1 {
  id: string;
  type: ActivityType;
  targetType: ActivityTargetType;
  targetId: string;
  subject: string;
  ownerId: string | null;
  dueAt: string | null;
  startsAt: string | null;
  endsAt: string | null;
  completedAt: string | null;
  completedById: string | null;
  createdAt: string;
  updatedAt: string;
}

export type ActivityCreatedV1 = EventEnvelope<typeof ACTIVITY_CREATED, { activity: ActivitySnapshotV1 }>;
export type ActivityCompletedV1 = EventEnvelope<typeof ACTIVITY_COMPLETED, { activity: ActivitySnapshotV1 }>;
/** The activity's due time arrived while it was open (at most once per due time). */
export type ActivityDueV1 = EventEnvelope<typeof ACTIVITY_DUE, { activity: ActivitySnapshotV1; dueVersion: number }>;

/** The body is left out: notes may be long and personal; consumers fetch it through the API when allowed. */
export function activitySnapshot(a: ActivityEntity): ActivitySnapshotV1 {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: a.id,
    type: a.type,
    targetType: a.targetType,
    targetId: a.targetId,
    subject: a.subject,
    ownerId: a.ownerId,
    dueAt: iso(a.dueAt),
    startsAt: iso(a.startsAt),
    endsAt: iso(a.endsAt),
    completedAt: iso(a.completedAt),
    completedById: a.completedById,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}
