import { Injectable } from '@nestjs/common';
import { actorOf, conflict, inScope, notFound, requireWritable, type Principal } from '@rapport/auth';
import { ACCOUNT_CREATED, ACCOUNT_UPDATED, type AccountSnapshotV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { KeysetPage } from '@rapport/persistence';
import {
  AccessPolicy,
  OwnerDirectory,
  pageWindow,
  paginate,
  ServiceDatabase,
  SharingPolicy,
  validate,
  whereVisible,
  type PageArgs,
} from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { requireDetailsWrite, requireRead, requireWrite } from '../access/sales-access';
import { changedFields } from '../contacts/contact-snapshot';
import {
  normaliseAddresses,
  normaliseExternalIds,
  normaliseSource,
  normaliseTags,
  type ExternalIdInput,
  type PostalAddressInput,
} from '../contacts/contact-input';
import {
  externalIdTaken,
  insertExternalIds,
  isExternalIdClash,
  liveIdsByExternalKeys,
  loadExternalIds,
  replaceExternalIds,
  whereExternalId,
} from '../external-ids/external-ids';
import { AccountDuplicatesService, type AccountDuplicateCandidate } from '../duplicates/account-duplicates.service';
import { AccountEntity } from './account.entity';
import { normaliseDomain } from './account-input';

export interface CreateAccountInput {
  name: string;
  domain?: string | null;
  industry?: string | null;
  ownerId?: string | null;
  addresses?: PostalAddressInput[] | null;
  source?: string | null;
  tags?: string[] | null;
  externalIds?: ExternalIdInput[] | null;
}

export interface AccountFilter {
  search?: string | null;
  ownerId?: string | null;
  industry?: string | null;
  externalId?: ExternalIdInput | null;
}

export type AccountOrderField = 'NAME' | 'CREATED_AT';

const SORT: Record<AccountOrderField, { column: string; value: (a: AccountEntity) => string }> = {
  NAME: { column: 'a.name', value: (a) => a.name },
  CREATED_AT: { column: 'a.created_at', value: (a) => a.createdAt.toISOString() },
};

const UPDATABLE = ['name', 'domain', 'industry', 'ownerId', 'addresses', 'source', 'tags', 'externalIds'] as const;

@Injectable()
export class AccountsService {
  constructor(
    private readonly access: AccessPolicy,
    private readonly db: ServiceDatabase,
    private readonly owners: OwnerDirectory,
    private readonly duplicates: AccountDuplicatesService,
    private readonly sharing: SharingPolicy,
  ) {}

  async create(principal: Principal, input: CreateAccountInput): Promise<AccountEntity> {
    return (await this.createChecked(principal, input)).account;
  }

  /**
   * Creates an account after checking the tenant's account duplicate rules:
   * BLOCK refuses with CONFLICT (candidates in extensions.duplicates), WARN
   * creates and returns the candidates, ALLOW creates and returns none.
   */
  async createChecked(
    principal: Principal,
    input: CreateAccountInput,
  ): Promise<{ account: AccountEntity; duplicates: AccountDuplicateCandidate[] }> {
    const account = await this.build(principal, input);
    await this.owners.awaitInFlight(principal, [account.ownerId]);
    const visible = await this.sharing.readScope(principal, 'ACCOUNT');
    return this.write(principal, async (em) => {
      const rules = await this.duplicates.rulesWithin(em);
      // Only duplicates the caller may see warn or block: naming a private one would reveal it.
      const duplicates = rules.policy === 'ALLOW' ? [] : (await this.duplicates.findBatch(em, rules, [account], [], visible))[0];
      if (rules.policy === 'BLOCK' && duplicates.length > 0) throw AccountDuplicatesService.blocked(duplicates);
      return { account: await this.insert(em, principal, account), duplicates };
    });
  }

  /** Creates the account inside the caller's transaction (lead conversion), with the same checks and event as create. */
  async createWithin(em: EntityManager, principal: Principal, input: CreateAccountInput): Promise<AccountEntity> {
    return this.insert(em, principal, await this.build(principal, input));
  }

  private async build(principal: Principal, input: CreateAccountInput): Promise<AccountEntity> {
    const overrides = await this.access.overrides(principal);
    requireWrite(principal, 'accounts', overrides);
    requireDetailsWrite(principal, input, overrides);
    const now = new Date();
    return Object.assign(new AccountEntity(), {
      id: uuidv7(),
      tenantId: principal.tenantId,
      name: validate.requiredText('name', input.name, 200),
      domain: normaliseDomain(input.domain),
      industry: validate.text('industry', input.industry, { max: 100 }),
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

  /** The live account holding an external id; an id held by a merged account resolves to its survivor. */
  async getByExternalId(principal: Principal, source: string, key: string): Promise<AccountEntity | null> {
    const [x] = normaliseExternalIds('externalId', [{ source, key }]);
    requireRead(principal, 'accounts', await this.access.overrides(principal));
    const visible = await this.sharing.readScope(principal, 'ACCOUNT');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const id = (await liveIdsByExternalKeys(em, 'ACCOUNT', x.source, [x.key])).get(x.key);
      const account = id ? await em.getRepository(AccountEntity).findOneBy({ id }) : null;
      return account && inScope(visible, account.ownerId) ? (await loadExternalIds(em, 'ACCOUNT', [account]))[0] : null;
    });
  }

  private async insert(em: EntityManager, principal: Principal, account: AccountEntity): Promise<AccountEntity> {
    await this.owners.requireOwners(em, principal, [{ field: 'ownerId', id: account.ownerId }]);
    const { externalIds: _x, ...columns } = account;
    await em.getRepository(AccountEntity).insert(columns);
    await insertExternalIds(em, 'ACCOUNT', [account]);
    await this.db.publish(
      em,
      newEvent({
        type: ACCOUNT_CREATED,
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        subjectId: account.id,
        data: { account: accountSnapshot(account) },
      }),
    );
    return account;
  }

  async update(principal: Principal, input: { id: string } & Partial<CreateAccountInput>): Promise<AccountEntity> {
    const overrides = await this.access.overrides(principal);
    requireWrite(principal, 'accounts', overrides);
    requireDetailsWrite(principal, input, overrides);
    const id = validate.requireUuid('id', input.id);
    await this.owners.awaitInFlight(principal, [input.ownerId]);
    const scopes = await this.sharing.scopes(principal, 'ACCOUNT');
    return this.write(principal, async (em) => {
      const repo = em.getRepository(AccountEntity);
      const before = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      // Hidden by the tenant's sharing: as if it did not exist; visible but not changeable: FORBIDDEN.
      if (!before || !inScope(scopes.read, before.ownerId)) throw notFound('Account', id);
      requireWritable(scopes.write, 'ACCOUNT', before.ownerId);
      if (before.mergedInto) throw conflict(`account ${id} was merged into ${before.mergedInto}; change the survivor`, 'id');
      await loadExternalIds(em, 'ACCOUNT', [before]);
      const after = Object.assign(new AccountEntity(), before);
      if ('name' in input) after.name = validate.requiredText('name', input.name, 200);
      if ('domain' in input) after.domain = normaliseDomain(input.domain);
      if ('industry' in input) after.industry = validate.text('industry', input.industry, { max: 100 });
      if ('ownerId' in input) after.ownerId = validate.optionalUuid('ownerId', input.ownerId) ?? null;
      if ('addresses' in input) after.addresses = normaliseAddresses('addresses', input.addresses);
      if ('source' in input) after.source = normaliseSource('source', input.source);
      if ('tags' in input) after.tags = normaliseTags('tags', input.tags);
      if ('externalIds' in input) after.externalIds = normaliseExternalIds('externalIds', input.externalIds);
      const changed = changedFields(before, after, [...UPDATABLE]);
      if (changed.length === 0) return before;
      if (changed.includes('ownerId')) await this.owners.requireOwners(em, principal, [{ field: 'ownerId', id: after.ownerId }]);
      after.updatedAt = new Date();
      const { externalIds: _x, ...columns } = after;
      await repo.update({ id }, columns);
      if (changed.includes('externalIds')) await replaceExternalIds(em, 'ACCOUNT', after);
      await this.db.publish(
        em,
        newEvent({
          type: ACCOUNT_UPDATED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: id,
          data: { account: accountSnapshot(after), changed },
        }),
      );
      return after;
    });
  }

  async get(principal: Principal, id: string): Promise<AccountEntity | null> {
    validate.requireUuid('id', id);
    requireRead(principal, 'accounts', await this.access.overrides(principal));
    const visible = await this.sharing.readScope(principal, 'ACCOUNT');
    // An account the tenant's sharing hides is absent, as if it did not exist.
    return this.db.withTenant(principal.tenantId, async (em) => {
      const account = await em.getRepository(AccountEntity).findOneBy({ id });
      return account && inScope(visible, account.ownerId) ? (await loadExternalIds(em, 'ACCOUNT', [account]))[0] : null;
    });
  }

  /** Accounts by id in one query, for field resolvers; missing and hidden ids are absent; a customer gets only the account of their own contact. */
  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, AccountEntity>> {
    if (principal.kind === 'customer') return this.ownAccount(principal, ids);
    requireRead(principal, 'accounts', await this.access.overrides(principal));
    const visible = await this.sharing.readScope(principal, 'ACCOUNT');
    const rows = await this.db.withTenant(principal.tenantId, async (em) =>
      loadExternalIds(
        em,
        'ACCOUNT',
        await whereVisible(
          em
            .getRepository(AccountEntity)
            .createQueryBuilder('a')
            .where('a.id = ANY(:ids)', { ids: [...ids] }),
          visible,
          'a.owner_id',
        ).getMany(),
      ),
    );
    return new Map(rows.map((a) => [a.id, a]));
  }

  private async ownAccount(principal: Principal, ids: readonly string[]): Promise<Map<string, AccountEntity>> {
    const rows = await this.db.withTenant(principal.tenantId, async (em) =>
      loadExternalIds(
        em,
        'ACCOUNT',
        await em
          .getRepository(AccountEntity)
          .createQueryBuilder('a')
          .where('a.id = ANY(:ids)', { ids: [...ids] })
          .andWhere('a.id = (SELECT c.account_id FROM contacts c WHERE c.id = :own)', { own: principal.contactId })
          .getMany(),
      ),
    );
    return new Map(rows.map((a) => [a.id, a]));
  }

  async list(
    principal: Principal,
    args: PageArgs & {
      filter?: AccountFilter | null;
      orderBy?: { field: AccountOrderField; direction: 'ASC' | 'DESC' } | null;
    },
  ): Promise<KeysetPage<AccountEntity>> {
    requireRead(principal, 'accounts', await this.access.overrides(principal));
    const wanted = pageWindow(args);
    const sort = SORT[args.orderBy?.field ?? 'NAME'];
    const visible = await this.sharing.readScope(principal, 'ACCOUNT');
    return this.db.withTenant(principal.tenantId, async (em) => {
      // Merged accounts stay (for unmerge and old links) but are hidden from lists.
      const q = em.getRepository(AccountEntity).createQueryBuilder('a').where('a.merged_into IS NULL');
      // In the query, so pages and totalCount hold only what the caller may see.
      whereVisible(q, visible, 'a.owner_id');
      const f = args.filter;
      if (f?.search != null)
        q.andWhere('(a.name ILIKE :s OR a.domain ILIKE :s)', {
          s: `%${validate.requiredText('filter.search', f.search, 200).replace(/[\\%_]/g, '\\$&')}%`,
        });
      if (f?.ownerId != null) q.andWhere('a.owner_id = :ownerId', { ownerId: validate.requireUuid('filter.ownerId', f.ownerId) });
      if (f?.industry != null) q.andWhere('a.industry = :industry', { industry: f.industry });
      if (f?.externalId != null) whereExternalId(q, 'ACCOUNT', 'a', f.externalId);
      const page = await paginate(q, {
        ...wanted,
        sortColumn: sort.column,
        idColumn: 'a.id',
        direction: args.orderBy?.direction ?? 'ASC',
        cursorOf: (a) => [sort.value(a), a.id],
      });
      await loadExternalIds(
        em,
        'ACCOUNT',
        page.edges.map((e) => e.node),
      );
      return page;
    });
  }

  /** Runs a write in the caller's tenant, turning an external-id clash into CONFLICT. */
  private async write<T>(principal: Principal, work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.db.withTenant(principal.tenantId, work);
    } catch (err) {
      throw isExternalIdClash('ACCOUNT', err) ? externalIdTaken('ACCOUNT') : err;
    }
  }
}

/** The account as published in sales.account.* events (addresses, source, tags are additive to V1). */
export function accountSnapshot(a: AccountEntity): AccountSnapshotV1 & Pick<AccountEntity, 'addresses' | 'source' | 'tags'> {
  return {
    id: a.id,
    name: a.name,
    domain: a.domain,
    industry: a.industry,
    ownerId: a.ownerId,
    addresses: a.addresses ?? [],
    source: a.source ?? null,
    tags: a.tags ?? [],
    externalIds: a.externalIds ?? [],
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}
