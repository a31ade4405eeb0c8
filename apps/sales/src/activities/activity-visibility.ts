import { scopePredicate, type RecordScope } from '@rapport/auth';
import { visibleSql } from '@rapport/service-kit';
import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import type { ActivityEntity } from './activity.entity';
import { ACTIVITY_TARGET_TYPES, type ActivityTargetType } from './activity-rules';

const TARGET_TABLE: Record<ActivityTargetType, string> = {
  LEAD: 'leads',
  CONTACT: 'contacts',
  ACCOUNT: 'accounts',
  OPPORTUNITY: 'opportunities',
};

/** The caller's read scope per target object (SharingPolicy.readScope of each). */
export type ActivityTargetScopes = Record<ActivityTargetType, RecordScope>;

/**
 * An activity (a call, a note …) tells about its target, so it is visible
 * exactly when its target is under the tenant's sharing rules: for each
 * target type the caller does not see entirely, one EXISTS on that target's
 * indexed owner. Nothing is added while every rule is public.
 */
export function whereActivityVisible(
  q: SelectQueryBuilder<ActivityEntity>,
  scopes: ActivityTargetScopes,
  alias = 'a',
): SelectQueryBuilder<ActivityEntity> {
  for (const type of ACTIVITY_TARGET_TYPES) {
    const scope = scopes[type];
    const param = `sharingOwners${type}`;
    const predicate = scopePredicate(scope, 't.owner_id', `:${param}`);
    if (!predicate || scope.all) continue;
    q.andWhere(
      `(${alias}.target_type <> '${type}' OR EXISTS (SELECT 1 FROM ${TARGET_TABLE[type]} t WHERE t.id = ${alias}.target_id AND ${predicate}))`,
      { [param]: scope.ownerIds },
    );
  }
  return q;
}

/** Inside the tenant transaction: whether the caller may see an activity's target (a hidden one is "no such target"). */
export async function targetVisible(
  em: EntityManager,
  scopes: ActivityTargetScopes,
  type: ActivityTargetType,
  id: string,
): Promise<boolean> {
  if (scopes[type].all) return true;
  const params: unknown[] = [id];
  const rows: unknown[] = await em.query(
    `SELECT 1 FROM ${TARGET_TABLE[type]} WHERE id = $1 AND ${visibleSql(scopes[type], 'owner_id', params)}`,
    params,
  );
  return rows.length > 0;
}
