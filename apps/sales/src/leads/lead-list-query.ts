import { validate } from '@rapport/service-kit';
import type { SelectQueryBuilder } from 'typeorm';
import type { LeadEntity } from './lead.entity';
import type { LeadStatus } from './lead-rules';

export interface LeadFilter {
  search?: string | null;
  status?: LeadStatus | null;
  ownerId?: string | null;
  source?: string | null;
  email?: string | null;
}

export type LeadOrderField = 'CREATED_AT' | 'LAST_NAME' | 'SCORE';

export const LEAD_SORT: Record<LeadOrderField, { column: string; value: (l: LeadEntity) => string | number }> = {
  CREATED_AT: { column: 'l.created_at', value: (l) => l.createdAt.toISOString() },
  LAST_NAME: { column: 'l.last_name', value: (l) => l.lastName },
  SCORE: { column: 'l.score', value: (l) => l.score },
};

/** Adds the filter's conditions, all bound as parameters. */
export function applyLeadFilter(q: SelectQueryBuilder<LeadEntity>, filter: LeadFilter | null | undefined): void {
  if (!filter) return;
  if (filter.search != null) {
    const search = `%${validate.requiredText('filter.search', filter.search, 200).replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    q.andWhere('(l.first_name ILIKE :search OR l.last_name ILIKE :search OR l.company ILIKE :search OR l.email ILIKE :search)', { search });
  }
  if (filter.status != null) q.andWhere('l.status = :status', { status: filter.status });
  if (filter.ownerId != null) q.andWhere('l.owner_id = :ownerId', { ownerId: validate.requireUuid('filter.ownerId', filter.ownerId) });
  if (filter.source != null) q.andWhere('l.source = :source', { source: filter.source.trim().toLowerCase() });
  if (filter.email != null) q.andWhere('l.email = :email', { email: validate.email('filter.email', filter.email) });
}
