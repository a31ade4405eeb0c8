import type { ContactSnapshotV1 } from '@rapport/contracts';
import type { ContactEntity } from './contact.entity';

/** The contact as published in sales.contact.* events. */
export function contactSnapshot(c: ContactEntity): ContactSnapshotV1 & Pick<ContactEntity, 'addresses' | 'source' | 'tags'> {
  return {
    id: c.id,
    accountId: c.accountId,
    ownerId: c.ownerId,
    firstName: c.firstName,
    lastName: c.lastName,
    emails: c.emails,
    phones: c.phones,
    externalIds: c.externalIds ?? [],
    // Added to V1 without a new version (an additive change): older consumers ignore them.
    addresses: c.addresses ?? [],
    source: c.source ?? null,
    tags: c.tags ?? [],
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** Top-level fields whose value differs (lists compared in order). */
export function changedFields<T extends object>(before: T, after: T, fields: (keyof T)[]): string[] {
  return fields.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f])).map(String);
}
