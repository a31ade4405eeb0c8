import type { EventEnvelope } from '../envelope';

export const ACTIVITY_CREATED = 'sales.activity.created' as const;
export const ACTIVITY_COMPLETED = 'sales.activity.completed' as const;
export const ACTIVITY_DUE = 'sales.activity.due' as const;

export type ActivityTypeV1 = 'TASK' | 'CALL' | 'MEETING' | 'NOTE';
export type ActivityTargetTypeV1 = 'LEAD' | 'CONTACT' | 'ACCOUNT' | 'OPPORTUNITY';

/** An activity as published; the body is left out (notes may be long and personal — fetch it through the API when allowed). */
export interface ActivitySnapshotV1 {
  id: string;
  type: ActivityTypeV1;
  targetType: ActivityTargetTypeV1;
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
