import { scopePredicate, type RecordScope } from '@rapport/auth';
import type { SelectQueryBuilder } from 'typeorm';
import type { QuoteEntity } from './quote.entity';

/**
 * Quotes have no owner of their own: they follow their opportunity, visible
 * exactly when it is under the tenant's OPPORTUNITY rule. One EXISTS on the
 * opportunity's indexed owner; a no-op when every opportunity is visible.
 */
export function whereQuoteVisible(
  q: SelectQueryBuilder<QuoteEntity>,
  opportunities: RecordScope,
  alias = 'q',
): SelectQueryBuilder<QuoteEntity> {
  const predicate = scopePredicate(opportunities, 'o.owner_id', ':sharingOwners');
  if (!predicate || opportunities.all) return q;
  return q.andWhere(`EXISTS (SELECT 1 FROM opportunities o WHERE o.id = ${alias}.opportunity_id AND ${predicate})`, {
    sharingOwners: opportunities.ownerIds,
  });
}
