import { badUserInput } from '@rapport/auth';
import { validate } from '@rapport/service-kit';
import type { SelectQueryBuilder } from 'typeorm';
import { requireCalendarDate } from './calendar-date';
import type { OpportunityEntity, OpportunityStatus } from './opportunity.entity';

export interface OpportunityFilter {
  ownerId?: string | null;
  accountId?: string | null;
  primaryContactId?: string | null;
  pipelineId?: string | null;
  stageId?: string | null;
  status?: OpportunityStatus | null;
  closeDateFrom?: string | null;
  closeDateTo?: string | null;
}

export type OpportunityOrderField = 'CLOSE_DATE' | 'CREATED_AT' | 'NAME' | 'AMOUNT';

export const OPPORTUNITY_SORT: Record<OpportunityOrderField, { column: string; value: (o: OpportunityEntity) => string }> = {
  CLOSE_DATE: { column: 'o.close_date', value: (o) => o.closeDate },
  CREATED_AT: { column: 'o.created_at', value: (o) => o.createdAt.toISOString() },
  NAME: { column: 'o.name', value: (o) => o.name },
  // Raw amounts, regardless of currency: meaningful within one currency (filter by it client-side).
  AMOUNT: { column: 'o.amount', value: (o) => o.amount },
};

const ID_FILTERS = [
  ['ownerId', 'o.owner_id'],
  ['accountId', 'o.account_id'],
  ['primaryContactId', 'o.primary_contact_id'],
  ['pipelineId', 'o.pipeline_id'],
  ['stageId', 'o.stage_id'],
] as const;

/** Adds the filter's conditions, all bound as parameters. */
export function applyOpportunityFilter(q: SelectQueryBuilder<OpportunityEntity>, filter: OpportunityFilter | null | undefined): void {
  if (!filter) return;
  for (const [key, column] of ID_FILTERS) {
    const value = filter[key];
    if (value != null) q.andWhere(`${column} = :${key}`, { [key]: validate.requireUuid(`filter.${key}`, value) });
  }
  if (filter.status != null) q.andWhere('o.status = :status', { status: filter.status });
  const from = filter.closeDateFrom != null ? requireCalendarDate('filter.closeDateFrom', filter.closeDateFrom) : null;
  const to = filter.closeDateTo != null ? requireCalendarDate('filter.closeDateTo', filter.closeDateTo) : null;
  if (from && to && from > to) throw badUserInput('filter.closeDateTo', 'must not be before closeDateFrom');
  if (from) q.andWhere('o.close_date >= :from', { from });
  if (to) q.andWhere('o.close_date <= :to', { to });
}
