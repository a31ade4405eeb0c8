import type { Principal } from '@rapport/auth';
import { validate, type PhoneDefault } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import { AccountEntity } from '../accounts/account.entity';
import { normaliseDomain } from '../accounts/account-input';
import { ContactEntity } from '../contacts/contact.entity';
import {
  normaliseAddresses,
  normaliseEmails,
  normalisePhones,
  normaliseSource,
  normaliseTags,
  type PostalAddressInput,
} from '../contacts/contact-input';
import type { MappedRow } from './import-mapping';
import type { ImportOptions } from './import-options';
import { invalid, type ImportRowResult } from './import-report';

export type CustomerKind = 'CONTACT' | 'ACCOUNT';

/** A valid row on its way in: the record it would create, and what it is matched by. */
export interface PendingRow {
  /** Index of the row in the batch. */
  n: number;
  row: MappedRow;
  entity: ContactEntity | AccountEntity;
  externalKey: string | null;
  accountName: string | null;
}

const ADDRESS_FIELDS = ['street', 'city', 'postalCode', 'region', 'country'];

/**
 * Validates mapped rows into the contacts or accounts they would create,
 * with the same normalisers as createContact/createAccount; a row that fails
 * becomes INVALID (with its field) and is left out.
 */
export function pendingCustomers(
  principal: Principal,
  kind: CustomerKind,
  mapped: (MappedRow | null)[],
  results: ImportRowResult[],
  options: ImportOptions,
  phoneDefault: PhoneDefault | null,
): PendingRow[] {
  const now = new Date();
  const source = normaliseSource('options.source', options.source ?? 'import');
  const addressKind = options.addressKind ?? 'OTHER';
  const pending: PendingRow[] = [];
  mapped.forEach((row, n) => {
    if (!row) return;
    try {
      const v = row.values;
      const address: PostalAddressInput[] = ADDRESS_FIELDS.some((f) => f in v)
        ? [{ kind: addressKind, street: v.street, city: v.city, postalCode: v.postalCode, region: v.region, country: v.country }]
        : [];
      const externalIds = v.externalId
        ? [{ source: options.externalIdSource ?? '', key: validate.requiredText('externalId', v.externalId, 200) }]
        : [];
      const common = {
        id: uuidv7(),
        tenantId: principal.tenantId,
        ownerId: validate.optionalUuid('ownerId', v.ownerId) ?? (principal.kind === 'user' ? principal.id : null),
        addresses: normaliseAddresses('addresses', address),
        source: v.source !== undefined ? normaliseSource('source', v.source) : source,
        tags: normaliseTags('tags', row.lists.tags),
        mergedInto: null,
        mergedAt: null,
        createdAt: now,
        updatedAt: now,
        externalIds,
      };
      const entity =
        kind === 'CONTACT'
          ? Object.assign(new ContactEntity(), common, {
              firstName: validate.text('firstName', v.firstName, { max: 100 }),
              lastName: validate.requiredText('lastName', v.lastName, 100),
              emails: normaliseEmails('email', row.lists.email),
              phones: normalisePhones('phone', row.lists.phone, phoneDefault),
              accountId: validate.optionalUuid('accountId', v.accountId) ?? null,
            })
          : Object.assign(new AccountEntity(), common, {
              name: validate.requiredText('name', v.name, 200),
              domain: normaliseDomain(v.domain),
              industry: validate.text('industry', v.industry, { max: 100 }),
            });
      pending.push({ n, row, entity, externalKey: v.externalId ?? null, accountName: v.accountName?.toLowerCase() ?? null });
    } catch (err) {
      invalid(results[n], err);
    }
  });
  return pending;
}

/** What makes two rows of one batch the same record: the external id, else the emails (contacts) or the name or domain (accounts). */
export function identityKeys(kind: CustomerKind, p: PendingRow): string[] {
  if (p.externalKey) return [`x:${p.externalKey}`];
  if (kind === 'ACCOUNT') {
    const a = p.entity as AccountEntity;
    return [`n:${a.name.toLowerCase()}`, ...(a.domain ? [`d:${a.domain}`] : [])];
  }
  return (p.entity as ContactEntity).emails.map((e) => `e:${e}`);
}
