import { Injectable } from '@nestjs/common';
import { actorOf, conflict, inScope, notFound, requireWritable, type Principal, type RecordScope } from '@rapport/auth';
import { CONTACT_CREATED, CONTACT_UPDATED } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { KeysetPage } from '@rapport/persistence';
import {
  AccessPolicy,
  auditChanges,
  describeAudit,
  OwnerDirectory,
  pageWindow,
  paginate,
  type PhoneDefault,
  ServiceDatabase,
  SharingPolicy,
  validate,
  whereVisible,
  type PageArgs,
} from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { canReadContact, requireDetailsWrite, requireRead, requireWrite } from '../access/sales-access';
import { assertAccountExists } from '../access/references';
import { ContactEntity } from './contact.entity';
import {
  normaliseAddresses,
  normaliseEmails,
  normaliseExternalIds,
  normalisePhones,
  normaliseSource,
  normaliseTags,
  type ExternalIdInput,
  type PostalAddressInput,
} from './contact-input';
import { DuplicatesService, type DuplicateCandidate } from '../duplicates/duplicates.service';
import { tenantPhoneDefault } from '../duplicates/phone-default';
import { applyContactFilter, CONTACT_SORT, type ContactFilter, type ContactOrderField } from './contact-list-query';
import { changedFields, contactSnapshot } from './contact-snapshot';
import {
  externalIdTaken,
  insertExternalIds,
  isExternalIdClash,
  liveIdsByExternalKeys,
  loadExternalIds,
  replaceExternalIds,
} from '../external-ids/external-ids';

export interface CreateContactInput {
  firstName?: string | null;
  lastName: string;
  emails?: string[] | null;
  phones?: string[] | null;
  accountId?: string | null;
  ownerId?: string | null;
  externalIds?: ExternalIdInput[] | null;
  addresses?: PostalAddressInput[] | null;
  source?: string | null;
  tags?: string[] | null;
}

export type UpdateContactInput = { id: string } & Partial<CreateContactInput>;

export interface ListContactsArgs extends PageArgs {
  filter?: ContactFilter | null;
  orderBy?: { field: ContactOrderField; direction: 'ASC' | 'DESC' } | null;
}

const UPDATABLE = [
  'firstName',
  'lastName',
  'emails',
  'phones',
  'accountId',
  'ownerId',
  'externalIds',
  'addresses',
  'source',
  'tags',
] as const;

@Injectable()
export class ContactsService {
  constructor(
    private readonly access: AccessPolicy,
    private readonly sharing: SharingPolicy,
    private readonly db: ServiceDatabase,
    private readonly duplicates: DuplicatesService,
    private readonly owners: OwnerDirectory,
  ) {}

  async create(principal: Principal, input: CreateContactInput): Promise<ContactEntity> {
    return (await this.createChecked(principal, input)).contact;
  }

  /**
   * Creates a contact after checking the tenant's duplicate rules: BLOCK
   * refuses with CONFLICT (candidates in extensions.duplicates), WARN creates
   * and returns the candidates, ALLOW creates and returns none.
   */
  async createChecked(
    principal: Principal,
    input: CreateContactInput,
  ): Promise<{ contact: ContactEntity; duplicates: DuplicateCandidate[] }> {
    const phoneDefault = await this.db.withTenant(principal.tenantId, tenantPhoneDefault);
    const contact = await this.build(principal, input, phoneDefault);
    await this.owners.awaitInFlight(principal, [contact.ownerId]);
    const visible = await this.sharing.readScope(principal, 'CONTACT');
    const accounts = await this.sharing.readScope(principal, 'ACCOUNT');
    return this.write(principal, async (em) => {
      const rules = await this.duplicates.rulesWithin(em);
      // Only duplicates the caller may see warn or block: naming a private one would reveal it.
      const duplicates = rules.policy === 'ALLOW' ? [] : (await this.duplicates.findBatch(em, rules, [contact], [], visible))[0];
      if (rules.policy === 'BLOCK' && duplicates.length > 0) throw DuplicatesService.blocked(duplicates);
      return { contact: await this.insertNew(em, principal, contact, accounts), duplicates };
    });
  }

  /** The live contact holding an external id; an id held by a merged contact resolves to its survivor. */
  async getByExternalId(principal: Principal, source: string, key: string): Promise<ContactEntity | null> {
    const [x] = normaliseExternalIds('externalId', [{ source, key }]);
    requireRead(principal, 'contacts', await this.access.overrides(principal));
    const visible = await this.sharing.readScope(principal, 'CONTACT');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const id = (await liveIdsByExternalKeys(em, 'CONTACT', x.source, [x.key])).get(x.key);
      if (!id) return null;
      const contact = await em.getRepository(ContactEntity).findOneBy({ id });
      return contact && inScope(visible, contact.ownerId) ? (await loadExternalIds(em, 'CONTACT', [contact]))[0] : null;
    });
  }

  /**
   * Creates the contact inside the caller's transaction (lead conversion),
   * with the same checks and event as create. An external-id clash surfaces
   * as the raw unique violation and aborts the caller's transaction.
   */
  async createWithin(em: EntityManager, principal: Principal, input: CreateContactInput): Promise<ContactEntity> {
    return this.insertNew(em, principal, await this.build(principal, input, await tenantPhoneDefault(em)));
  }

  private async build(principal: Principal, input: CreateContactInput, phoneDefault: PhoneDefault | null): Promise<ContactEntity> {
    const overrides = await this.access.overrides(principal);
    requireWrite(principal, 'contacts', overrides);
    requireDetailsWrite(principal, input, overrides);
    const now = new Date();
    return Object.assign(new ContactEntity(), {
      id: uuidv7(),
      tenantId: principal.tenantId,
      firstName: validate.text('firstName', input.firstName, { max: 100 }),
      lastName: validate.requiredText('lastName', input.lastName, 100),
      emails: normaliseEmails('emails', input.emails),
      phones: normalisePhones('phones', input.phones, phoneDefault),
      accountId: validate.optionalUuid('accountId', input.accountId) ?? null,
      ownerId: validate.optionalUuid('ownerId', input.ownerId) ?? (principal.kind === 'user' ? principal.id : null),
      addresses: normaliseAddresses('addresses', input.addresses),
      source: normaliseSource('source', input.source),
      tags: normaliseTags('tags', input.tags),
      mergedInto: null,
      mergedAt: null,
      createdAt: now,
      updatedAt: now,
      externalIds: normaliseExternalIds('externalIds', input.externalIds),
    });
  }

  /** `accounts`: the accounts the caller may name (absent when the platform picked the account itself, as a lead conversion does). */
  private async insertNew(em: EntityManager, principal: Principal, contact: ContactEntity, accounts?: RecordScope): Promise<ContactEntity> {
    if (contact.accountId) await assertAccountExists(em, 'accountId', contact.accountId, accounts);
    await this.owners.requireOwners(em, principal, [{ field: 'ownerId', id: contact.ownerId }]);
    await em.getRepository(ContactEntity).insert(contact);
    await insertExternalIds(em, 'CONTACT', [contact]);
    await this.db.publish(
      em,
      newEvent({
        type: CONTACT_CREATED,
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        subjectId: contact.id,
        data: { contact: contactSnapshot(contact) },
      }),
    );
    return contact;
  }

  async update(principal: Principal, input: UpdateContactInput): Promise<ContactEntity> {
    const overrides = await this.access.overrides(principal);
    requireWrite(principal, 'contacts', overrides);
    requireDetailsWrite(principal, input, overrides);
    const id = validate.requireUuid('id', input.id);
    await this.owners.awaitInFlight(principal, [input.ownerId]);
    const scopes = await this.sharing.scopes(principal, 'CONTACT');
    const accounts = await this.sharing.readScope(principal, 'ACCOUNT');
    return this.write(principal, async (em) => {
      const repo = em.getRepository(ContactEntity);
      const before = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      // Hidden by the tenant's sharing: as if it did not exist; visible but not changeable: FORBIDDEN.
      if (!before || !inScope(scopes.read, before.ownerId)) throw notFound('Contact', id);
      requireWritable(scopes.write, 'CONTACT', before.ownerId);
      if (before.mergedInto) throw conflict(`contact ${id} was merged into ${before.mergedInto}; change the survivor`, 'id');
      await loadExternalIds(em, 'CONTACT', [before]);
      const after: ContactEntity = Object.assign(new ContactEntity(), before);
      if ('firstName' in input) after.firstName = validate.text('firstName', input.firstName, { max: 100 });
      if ('lastName' in input) after.lastName = validate.requiredText('lastName', input.lastName, 100);
      if ('emails' in input) after.emails = normaliseEmails('emails', input.emails);
      if ('phones' in input) after.phones = normalisePhones('phones', input.phones, await tenantPhoneDefault(em));
      if ('accountId' in input) after.accountId = validate.optionalUuid('accountId', input.accountId) ?? null;
      if ('ownerId' in input) after.ownerId = validate.optionalUuid('ownerId', input.ownerId) ?? null;
      if ('externalIds' in input) after.externalIds = normaliseExternalIds('externalIds', input.externalIds);
      if ('addresses' in input) after.addresses = normaliseAddresses('addresses', input.addresses);
      if ('source' in input) after.source = normaliseSource('source', input.source);
      if ('tags' in input) after.tags = normaliseTags('tags', input.tags);
      const changed = changedFields(before, after, [...UPDATABLE]);
      if (changed.length === 0) return before;
      if (changed.includes('accountId') && after.accountId) await assertAccountExists(em, 'accountId', after.accountId, accounts);
      if (changed.includes('ownerId')) await this.owners.requireOwners(em, principal, [{ field: 'ownerId', id: after.ownerId }]);
      after.updatedAt = new Date();
      const { externalIds: _x, ...columns } = after;
      await repo.update({ id }, { ...columns });
      if (changed.includes('externalIds')) await replaceExternalIds(em, 'CONTACT', after);
      await this.db.publish(
        em,
        newEvent({
          type: CONTACT_UPDATED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: id,
          data: { contact: contactSnapshot(after), changed },
        }),
      );
      describeAudit({ objectType: 'Contact', objectId: id, changes: auditChanges(pick(before, changed), pick(after, changed)) });
      return after;
    });
  }

  async get(principal: Principal, id: string): Promise<ContactEntity | null> {
    validate.requireUuid('id', id);
    if (!canReadContact(principal, id, await this.access.overrides(principal))) return null;
    const visible = await this.sharing.readScope(principal, 'CONTACT');
    return this.db.withTenant(principal.tenantId, async (em) => {
      // A contact the tenant's sharing hides is absent, as if it did not exist.
      const contact = await em.getRepository(ContactEntity).findOneBy({ id });
      return contact && inScope(visible, contact.ownerId) ? (await loadExternalIds(em, 'CONTACT', [contact]))[0] : null;
    });
  }

  /** Contacts by id in one query (for batching field resolvers); missing and hidden ids are absent. */
  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, ContactEntity>> {
    requireRead(principal, 'contacts', await this.access.overrides(principal));
    const visible = await this.sharing.readScope(principal, 'CONTACT');
    const rows = await this.db.withTenant(principal.tenantId, async (em) =>
      loadExternalIds(
        em,
        'CONTACT',
        await whereVisible(
          em
            .getRepository(ContactEntity)
            .createQueryBuilder('c')
            .where('c.id = ANY(:ids)', { ids: [...ids] }),
          visible,
          'c.owner_id',
        ).getMany(),
      ),
    );
    return new Map(rows.map((c) => [c.id, c]));
  }

  async list(principal: Principal, args: ListContactsArgs): Promise<KeysetPage<ContactEntity>> {
    requireRead(principal, 'contacts', await this.access.overrides(principal));
    const wanted = pageWindow(args);
    const sort = CONTACT_SORT[args.orderBy?.field ?? 'CREATED_AT'];
    const visible = await this.sharing.readScope(principal, 'CONTACT');
    return this.db.withTenant(principal.tenantId, async (em) => {
      // Merged contacts stay (for unmerge and old links) but are hidden from lists.
      const q = em.getRepository(ContactEntity).createQueryBuilder('c').where('c.merged_into IS NULL');
      // In the query, so pages and totalCount hold only what the caller may see.
      whereVisible(q, visible, 'c.owner_id');
      applyContactFilter(q, args.filter);
      const page = await paginate(q, {
        ...wanted,
        sortColumn: sort.column,
        idColumn: 'c.id',
        direction: args.orderBy?.direction ?? 'ASC',
        cursorOf: (c) => [sort.value(c), c.id],
      });
      await loadExternalIds(
        em,
        'CONTACT',
        page.edges.map((e) => e.node),
      );
      return page;
    });
  }

  /** Runs a write in the caller's tenant, turning unique-key clashes into CONFLICT. */
  private async write<T>(principal: Principal, work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.db.withTenant(principal.tenantId, work);
    } catch (err) {
      throw isExternalIdClash('CONTACT', err) ? externalIdTaken('CONTACT') : err;
    }
  }
}

/** The changed fields of a contact, for the audit entry's before/after. */
function pick(contact: ContactEntity, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, (contact as unknown as Record<string, unknown>)[f]]));
}
