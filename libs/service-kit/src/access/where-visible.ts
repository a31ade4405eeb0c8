import { scopePredicate, type RecordScope } from '@rapport/auth';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * Narrows a query to the records in scope (SharingPolicy.readScope), so
 * pages, counts and lookups only ever hold what the caller may see; a
 * no-op when every record is in scope.
 */
export function whereVisible<T extends ObjectLiteral>(
  q: SelectQueryBuilder<T>,
  scope: RecordScope,
  ownerColumn: string,
): SelectQueryBuilder<T> {
  const predicate = scopePredicate(scope, ownerColumn, ':sharingOwners');
  return predicate && !scope.all ? q.andWhere(predicate, { sharingOwners: scope.ownerIds }) : q;
}

/**
 * The same for raw SQL: appends the owner ids to `params` and returns the
 * predicate to AND into the WHERE clause (`TRUE` when every record is in scope).
 */
export function visibleSql(scope: RecordScope, ownerColumn: string, params: unknown[]): string {
  if (scope.all) return 'TRUE';
  params.push(scope.ownerIds);
  return scopePredicate(scope, ownerColumn, `$${params.length}`) ?? 'TRUE';
}
