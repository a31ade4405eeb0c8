import { Injectable } from '@nestjs/common';
import { actorOf, notFound, type Principal, type RecordScope } from '@rapport/auth';
import { LEAD_CREATED, LEAD_UPDATED } from '@rapport/contracts';
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
import { OwnedRecords, requireChangeShared } from '../access/owned-records';
import { canRead, requireReassign, requireSalesCreate, requireSalesRead } from '../access/sales-access';
import { changedFields } from '../contacts/contact-snapshot';
import { LeadEntity } from './lead.entity';
import { findDuplicates, type DuplicateCandidate } from './lead-duplicates';
import { tenantPhoneDefault } from '../duplicates/phone-default';
import { LEAD_FIELDS, type CreateLeadInput, type LeadFieldsInput } from './lead-input';
import { applyLeadFilter, LEAD_SORT, type LeadFilter, type LeadOrderField } from './lead-list-query';
import { initialStatus, requireNotConverted, requireTransition, validScore } from './lead-rules';
import { leadSnapshot } from './lead-snapshot';
import { assignOwner, scoreLead } from '../lead-rules/lead-automation';

export type UpdateLeadInput = { id: string } & LeadFieldsInput;

export interface ListLeadsArgs extends PageArgs {
  filter?: LeadFilter | null;
  orderBy?: { field: LeadOrderField; direction: 'ASC' | 'DESC' } | null;
}

export interface LeadWithDuplicates {
  lead: LeadEntity;
  duplicates: DuplicateCandidate[];
}

const UPDATABLE = ['firstName', 'lastName', 'company', 'email', 'phone', 'source', 'ownerId', 'score', 'status'] as const;
const TEXT_FIELDS = ['firstName', 'lastName', 'company', 'email', 'phone', 'source'] as const;

@Injectable()
export class LeadsService {
  constructor(
    private readonly access: AccessPolicy,
    private readonly db: ServiceDatabase,
    private readonly owners: OwnerDirectory,
    private readonly owned: OwnedRecords,
    private readonly sharing: SharingPolicy,
  ) {}

  /** Captures a lead (staff, or API keys with leads:write) and reports possible duplicates without blocking. */
  async create(principal: Principal, input: CreateLeadInput): Promise<LeadWithDuplicates> {
    const ownerId = validate.optionalUuid('ownerId', input.ownerId) ?? (principal.kind === 'user' ? principal.id : null);
    requireSalesCreate(principal, 'leads', ownerId);
    const now = new Date();
    const lead = Object.assign(new LeadEntity(), {
      id: uuidv7(),
      tenantId: principal.tenantId,
      firstName: LEAD_FIELDS.firstName(input.firstName),
      lastName: LEAD_FIELDS.lastName(input.lastName),
      company: LEAD_FIELDS.company(input.company),
      email: LEAD_FIELDS.email(input.email),
      // Read in the tenant's default country, which the transaction below looks up.
      phone: null as string | null,
      source: LEAD_FIELDS.source(input.source),
      status: initialStatus(input.status),
      ownerId,
      score: validScore('score', input.score),
      convertedAt: null,
      convertedAccountId: null,
      convertedContactId: null,
      convertedOpportunityId: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.owners.awaitInFlight(principal, [ownerId]);
    const seen = await this.duplicateScopes(principal);
    return this.db.withTenant(principal.tenantId, async (em) => {
      lead.phone = LEAD_FIELDS.phone(input.phone, await tenantPhoneDefault(em));
      await this.owners.requireOwners(em, principal, [{ field: 'ownerId', id: lead.ownerId }]);
      const duplicates = await visibleDuplicates(em, seen, lead.email, lead.id);
      if (!lead.ownerId) lead.ownerId = await assignOwner(em, lead, this.owners);
      lead.score = await scoreLead(em, lead, lead.score);
      await em.getRepository(LeadEntity).insert(lead);
      await this.db.publish(
        em,
        newEvent({
          type: LEAD_CREATED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: lead.id,
          data: { lead: leadSnapshot(lead) },
        }),
      );
      return { lead, duplicates };
    });
  }

  async update(principal: Principal, input: UpdateLeadInput): Promise<LeadWithDuplicates> {
    const id = validate.requireUuid('id', input.id);
    await this.owners.awaitInFlight(principal, [input.ownerId]);
    const scopes = await this.owned.scopes(principal, 'leads');
    const seen = await this.duplicateScopes(principal);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const repo = em.getRepository(LeadEntity);
      const before = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!before) throw notFound('Lead', id);
      requireChangeShared(principal, 'leads', before, scopes);
      requireNotConverted(before);
      const after = Object.assign(new LeadEntity(), before);
      const phoneDefault = 'phone' in input ? await tenantPhoneDefault(em) : null;
      for (const field of TEXT_FIELDS)
        if (field in input) Object.assign(after, { [field]: LEAD_FIELDS[field](input[field], phoneDefault) });
      if ('ownerId' in input) after.ownerId = validate.optionalUuid('ownerId', input.ownerId) ?? null;
      if ('score' in input) after.score = validScore('score', input.score);
      if (input.status != null) {
        requireTransition(before.status, input.status);
        after.status = input.status;
      }
      after.score = await scoreLead(em, after, after.score);
      const changed = changedFields(before, after, [...UPDATABLE]);
      if (changed.length === 0) return { lead: before, duplicates: [] };
      if (changed.includes('ownerId')) {
        requireReassign(principal, 'leads');
        await this.owners.requireOwners(em, principal, [{ field: 'ownerId', id: after.ownerId }]);
      }
      after.updatedAt = new Date();
      await repo.update({ id }, { ...after });
      await this.db.publish(
        em,
        newEvent({
          type: LEAD_UPDATED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: id,
          data: { lead: leadSnapshot(after), changed },
        }),
      );
      const duplicates = changed.includes('email') ? await visibleDuplicates(em, seen, after.email, id) : [];
      return { lead: after, duplicates };
    });
  }

  async get(principal: Principal, id: string): Promise<LeadEntity | null> {
    validate.requireUuid('id', id);
    requireSalesRead(principal, 'leads');
    // A lead the tenant's sharing hides is absent, as if it did not exist.
    const lead = await this.db.withTenant(principal.tenantId, (em) => em.getRepository(LeadEntity).findOneBy({ id }));
    return lead && (await this.owned.canSee(principal, 'leads', lead.ownerId)) ? lead : null;
  }

  async list(principal: Principal, args: ListLeadsArgs): Promise<KeysetPage<LeadEntity>> {
    requireSalesRead(principal, 'leads');
    const wanted = pageWindow(args);
    const sort = LEAD_SORT[args.orderBy?.field ?? 'CREATED_AT'];
    const visible = await this.sharing.readScope(principal, 'LEAD');
    return this.db.withTenant(principal.tenantId, async (em) => {
      // In the query, so pages and totalCount hold only what the caller may see.
      const q = whereVisible(em.getRepository(LeadEntity).createQueryBuilder('l'), visible, 'l.owner_id');
      applyLeadFilter(q, args.filter);
      return paginate(q, {
        ...wanted,
        sortColumn: sort.column,
        idColumn: 'l.id',
        direction: args.orderBy?.direction ?? 'ASC',
        cursorOf: (l) => [sort.value(l), l.id],
      });
    });
  }

  /**
   * What duplicates the caller may know about, resolved before a transaction:
   * a partner key with only leads:write learns nothing about the tenant's
   * contacts or other leads, and nobody about records their sharing hides.
   */
  private async duplicateScopes(principal: Principal): Promise<DuplicateScopes> {
    const overrides = await this.access.overrides(principal);
    return {
      seeLeads: canRead(principal, 'leads', overrides),
      seeContacts: canRead(principal, 'contacts', overrides),
      leads: await this.sharing.readScope(principal, 'LEAD'),
      contacts: await this.sharing.readScope(principal, 'CONTACT'),
    };
  }
}

interface DuplicateScopes {
  seeLeads: boolean;
  seeContacts: boolean;
  leads: RecordScope;
  contacts: RecordScope;
}

async function visibleDuplicates(
  em: EntityManager,
  seen: DuplicateScopes,
  email: string | null,
  leadId: string,
): Promise<DuplicateCandidate[]> {
  if (!seen.seeLeads && !seen.seeContacts) return [];
  const all = await findDuplicates(em, email, leadId, seen);
  return all.filter((d) => (d.kind === 'LEAD' ? seen.seeLeads : seen.seeContacts));
}
