import { validate } from '@rapport/service-kit';
import type { SelectQueryBuilder } from 'typeorm';
import type { ActivityEntity } from './activity.entity';
import { requireActivityType, type ActivityType } from './activity-rules';

export interface ActivityFilter {
  ownerId?: string | null;
  targetId?: string | null;
  type?: ActivityType | null;
  /** true: not completed; false: completed. */
  open?: boolean | null;
  /** Due strictly before this instant. */
  dueBefore?: Date | null;
}

/** Adds the filter's conditions, all bound as parameters. */
export function applyActivityFilter(q: SelectQueryBuilder<ActivityEntity>, filter: ActivityFilter | null | undefined): void {
  if (!filter) return;
  if (filter.ownerId != null) q.andWhere('a.owner_id = :ownerId', { ownerId: validate.requireUuid('filter.ownerId', filter.ownerId) });
  if (filter.targetId != null)
    q.andWhere('a.target_id = :targetId', { targetId: validate.requireUuid('filter.targetId', filter.targetId) });
  if (filter.type != null) q.andWhere('a.type = :type', { type: requireActivityType('filter.type', filter.type) });
  if (filter.open != null) q.andWhere(filter.open ? 'a.completed_at IS NULL' : 'a.completed_at IS NOT NULL');
  if (filter.dueBefore != null) q.andWhere('a.due_at < :dueBefore', { dueBefore: filter.dueBefore });
}
