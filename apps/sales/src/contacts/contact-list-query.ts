import { badUserInput } from '@rapport/auth';
import { validate } from '@rapport/service-kit';
import type { SelectQueryBuilder } from 'typeorm';
import type { ContactEntity } from './contact.entity';
import type { ExternalIdInput } from './contact-input';
import { whereExternalId } from '../external-ids/external-ids';

export interface ContactFilter {
  search?: string | null;
  accountId?: string | null;
  ownerId?: string | null;
  email?: string | null;
  externalId?: ExternalIdInput | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

export type ContactOrderField = 'LAST_NAME' | 'CREATED_AT' | 'UPDATED_AT';

export const CONTACT_SORT: Record<ContactOrderField, { column: string; value: (c: ContactEntity) => string }> = {
  LAST_NAME: { column: 'c.last_name', value: (c) => c.lastName },
  CREATED_AT: { column: 'c.created_at', value: (c) => c.createdAt.toISOString() },
  UPDATED_AT: { column: 'c.updated_at', value: (c) => c.updatedAt.toISOString() },
};

/** Adds the filter's conditions, all bound as parameters (never spliced into SQL). */
export function applyContactFilter(q: SelectQueryBuilder<ContactEntity>, filter: ContactFilter | null | undefined): void {
  if (!filter) return;
  if (filter.search != null) {
    const search = validate.requiredText('filter.search', filter.search, 200);
    q.andWhere(`(c.first_name ILIKE :search OR c.last_name ILIKE :search OR array_to_string(c.emails, ' ') ILIKE :search)`, {
      search: `%${escapeLike(search)}%`,
    });
  }
  if (filter.accountId != null)
    q.andWhere('c.account_id = :accountId', { accountId: validate.requireUuid('filter.accountId', filter.accountId) });
  if (filter.ownerId != null) q.andWhere('c.owner_id = :ownerId', { ownerId: validate.requireUuid('filter.ownerId', filter.ownerId) });
  if (filter.email != null) q.andWhere(':email = ANY(c.emails)', { email: validate.email('filter.email', filter.email) });
  if (filter.externalId != null) whereExternalId(q, 'CONTACT', 'c', filter.externalId);
  if (filter.createdAfter != null) q.andWhere('c.created_at >= :createdAfter', { createdAfter: filter.createdAfter });
  if (filter.createdBefore != null) q.andWhere('c.created_at < :createdBefore', { createdBefore: filter.createdBefore });
  if (filter.createdAfter && filter.createdBefore && filter.createdAfter >= filter.createdBefore) {
    throw badUserInput('filter.createdBefore', 'must be after createdAfter');
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
