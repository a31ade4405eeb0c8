import { scopePredicate, type RecordScope } from '@rapport/auth';
import type { SelectQueryBuilder } from 'typeorm';
import type { QuoteEntity } from './quote.entity';

/**
 * Quotes have no owner of their own, and no deletion of their own: they
 * follow their opportunity, visible exactly when it is live (the
 * `opportunities` view holds live rows only, so a deleted opportunity takes
 * its quotes into the restore window and a restore brings them back, ADR
 * 037) and under the tenant's OPPORTUNITY rule. One EXISTS on the
 * opportunity's primary key (and indexed owner).
 */
export function whereQuoteVisible(
  q: SelectQueryBuilder<QuoteEntity>,
  opportunities: RecordScope,
  alias = 'q',
): SelectQueryBuilder<QuoteEntity> {
  if (opportunities.all) return q.andWhere(`EXISTS (SELECT 1 FROM opportunities o WHERE o.id = ${alias}.opportunity_id)`);
  const predicate = scopePredicate(opportunities, 'o.owner_id', ':sharingOwners');
  return q.andWhere(`EXISTS (SELECT 1 FROM opportunities o WHERE o.id = ${alias}.opportunity_id AND ${predicate})`, {
    sharingOwners: opportunities.ownerIds,
  });
}
