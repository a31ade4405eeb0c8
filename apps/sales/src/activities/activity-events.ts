import type { ActivitySnapshotV1 } from '@rapport/contracts';
import type { ActivityEntity } from './activity.entity';

/** The activity as published in sales.activity.* events (contracts in @rapport/contracts). */
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
