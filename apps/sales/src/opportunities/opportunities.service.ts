import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, type Principal } from '@rapport/auth';
import { OPPORTUNITY_CREATED, OPPORTUNITY_UPDATED } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { decimal } from '@rapport/money';
import type { KeysetPage } from '@rapport/persistence';
import {
  AccessPolicy,
  groupBy,
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
import { assertAccountExists, assertContactExists, type ReferenceScopes } from '../access/references';
import { OwnedRecords, requireChangeShared } from '../access/owned-records';
import { requireReassign, requireSalesCreate, requireDealRead } from '../access/sales-access';
import { changedFields } from '../contacts/contact-snapshot';
import { PipelineEntity } from '../pipelines/pipeline.entity';
import type { PipelineStageEntity } from '../pipelines/pipeline-stage.entity';
import { firstOpenStage } from '../pipelines/pipeline-rules';
import { activeStages, ensureDefaultPipeline } from '../pipelines/pipeline-store';
import { customerSubjects, TimelineRecorder } from '../timeline/timeline-recorder';
import { requireCalendarDate } from './calendar-date';
import { parseMoneyInput, type MoneyInput } from './money-input';
import { OpportunityEntity } from './opportunity.entity';
import { applyOpportunityFilter, OPPORTUNITY_SORT, type OpportunityFilter, type OpportunityOrderField } from './opportunity-list-query';
import { probabilityFor, requireOpen, requireTargetStage } from './opportunity-rules';
import { opportunitySnapshot, stageRef } from './opportunity-snapshot';
import { OpportunityStageHistoryEntity } from './opportunity-stage-history.entity';
import { existingStage, findStage, lockOpportunity, recordStageChange } from './opportunity-store';

export interface CreateOpportunityInput {
  name: string;
  accountId: string;
  primaryContactId?: string | null;
  ownerId?: string | null;
  amount: MoneyInput;
  closeDate: string;
  pipelineId?: string | null;
  stageId?: string | null;
  probability?: number | null;
}

export type UpdateOpportunityInput = { id: string } & Partial<Omit<CreateOpportunityInput, 'pipelineId' | 'stageId'>>;

export interface ListOpportunitiesArgs extends PageArgs {
  filter?: OpportunityFilter | null;
  orderBy?: { field: OpportunityOrderField; direction: 'ASC' | 'DESC' } | null;
}

const UPDATABLE = ['name', 'accountId', 'primaryContactId', 'ownerId', 'amount', 'currency', 'closeDate', 'probability'] as const;

@Injectable()
export class OpportunitiesService {
  constructor(
    private readonly access: AccessPolicy,
    private readonly db: ServiceDatabase,
    private readonly owners: OwnerDirectory,
    private readonly owned: OwnedRecords,
    private readonly sharing: SharingPolicy,
  ) {}

  async create(principal: Principal, input: CreateOpportunityInput): Promise<OpportunityEntity> {
    await this.owners.awaitInFlight(principal, [input.ownerId]);
    const refs = await this.referenceScopes(principal);
    return this.db.withTenant(principal.tenantId, (em) => this.createWithin(em, principal, input, '', null, refs));
  }

  /** The accounts and contacts the caller may name on an opportunity (hidden ones are refused as unknown). */
  private async referenceScopes(principal: Principal): Promise<ReferenceScopes> {
    return { accounts: await this.sharing.readScope(principal, 'ACCOUNT'), contacts: await this.sharing.readScope(principal, 'CONTACT') };
  }

  /**
   * Creates an opportunity inside the caller's transaction (lead conversion
   * uses this): validates, places it in the named or default pipeline's first
   * open stage, records the first history row and publishes .created.
   */
  async createWithin(
    em: EntityManager,
    principal: Principal,
    input: CreateOpportunityInput,
    fieldPrefix = '',
    leadId: string | null = null,
    refs?: ReferenceScopes,
  ): Promise<OpportunityEntity> {
    const f = (name: string) => `${fieldPrefix}${name}`;
    const ownerId = validate.optionalUuid(f('ownerId'), input.ownerId) ?? (principal.kind === 'user' ? principal.id : null);
    requireSalesCreate(principal, 'opportunities', ownerId);
    await this.owners.requireOwners(em, principal, [{ field: f('ownerId'), id: ownerId }]);
    const money = parseMoneyInput(f('amount'), input.amount);
    const base = {
      name: validate.requiredText(f('name'), input.name, 200),
      accountId: validate.requireUuid(f('accountId'), input.accountId),
      primaryContactId: validate.optionalUuid(f('primaryContactId'), input.primaryContactId) ?? null,
      closeDate: requireCalendarDate(f('closeDate'), input.closeDate),
    };
    const pipelineId = validate.optionalUuid(f('pipelineId'), input.pipelineId) ?? null;
    const stageId = validate.optionalUuid(f('stageId'), input.stageId) ?? null;
    await assertAccountExists(em, f('accountId'), base.accountId, refs?.accounts);
    await assertContactExists(em, f('primaryContactId'), base.primaryContactId, refs?.contacts);
    const stage = await this.placement(em, principal.tenantId, pipelineId, stageId, f);
    const now = new Date();
    const opportunity = Object.assign(new OpportunityEntity(), {
      id: uuidv7(),
      tenantId: principal.tenantId,
      ...base,
      ownerId,
      amount: money.amount,
      currency: money.currency,
      pipelineId: stage.pipelineId,
      stageId: stage.id,
      probability: probabilityFor(stage, input.probability, f('probability')),
      status: 'OPEN' as const,
      closeReason: null,
      closedAt: null,
      leadId,
      createdAt: now,
      updatedAt: now,
    });
    await em.getRepository(OpportunityEntity).insert(opportunity);
    await recordStageChange(em, principal, { opportunity, from: null, to: stage.id, reason: null, at: now });
    await TimelineRecorder.record(em, {
      tenantId: principal.tenantId,
      subjects: [...customerSubjects(opportunity.accountId, opportunity.primaryContactId), { type: 'OPPORTUNITY', id: opportunity.id }],
      kind: 'OPPORTUNITY_CREATED',
      occurredAt: now,
      summary: `Opportunity created: ${opportunity.name} (${stage.name})`,
      refId: opportunity.id,
    });
    await this.db.publish(
      em,
      newEvent({
        type: OPPORTUNITY_CREATED,
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        subjectId: opportunity.id,
        data: { opportunity: opportunitySnapshot(opportunity), stage: stageRef(stage) },
      }),
    );
    return opportunity;
  }

  async update(principal: Principal, input: UpdateOpportunityInput): Promise<OpportunityEntity> {
    const id = validate.requireUuid('id', input.id);
    await this.owners.awaitInFlight(principal, [input.ownerId]);
    const scopes = await this.owned.scopes(principal, 'opportunities');
    const refs = await this.referenceScopes(principal);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const before = await lockOpportunity(em, id);
      requireChangeShared(principal, 'opportunities', before, scopes);
      const after = Object.assign(new OpportunityEntity(), before);
      if ('name' in input) after.name = validate.requiredText('name', input.name, 200);
      if ('accountId' in input) after.accountId = validate.requireUuid('accountId', input.accountId ?? '');
      if ('primaryContactId' in input) after.primaryContactId = validate.optionalUuid('primaryContactId', input.primaryContactId) ?? null;
      if ('ownerId' in input) after.ownerId = validate.optionalUuid('ownerId', input.ownerId) ?? null;
      if ('closeDate' in input) after.closeDate = requireCalendarDate('closeDate', input.closeDate ?? '');
      if ('amount' in input) {
        if (!input.amount) throw badUserInput('amount', 'must not be null');
        const money = parseMoneyInput('amount', input.amount);
        after.amount = money.amount;
        after.currency = money.currency;
      }
      if ('probability' in input) {
        requireOpen(before);
        // null goes back to the current stage's default.
        after.probability =
          input.probability == null ? (await existingStage(em, before.stageId)).probability : probabilityFor(before, input.probability);
      }
      const changed = changedFields(normalised(before), normalised(after), [...UPDATABLE]);
      if (changed.length === 0) return before;
      if (changed.includes('ownerId')) {
        requireReassign(principal, 'opportunities');
        await this.owners.requireOwners(em, principal, [{ field: 'ownerId', id: after.ownerId }]);
      }
      if (changed.includes('accountId')) await assertAccountExists(em, 'accountId', after.accountId, refs.accounts);
      if (changed.includes('primaryContactId')) await assertContactExists(em, 'primaryContactId', after.primaryContactId, refs.contacts);
      after.updatedAt = new Date();
      await em.getRepository(OpportunityEntity).update({ id }, { ...after });
      await this.db.publish(
        em,
        newEvent({
          type: OPPORTUNITY_UPDATED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: id,
          data: { opportunity: opportunitySnapshot(after), changed },
        }),
      );
      return after;
    });
  }

  async get(principal: Principal, id: string): Promise<OpportunityEntity | null> {
    validate.requireUuid('id', id);
    requireDealRead(principal, 'OPPORTUNITIES', await this.access.overrides(principal));
    // An opportunity the tenant's sharing hides is absent, as if it did not exist.
    const opportunity = await this.db.withTenant(principal.tenantId, (em) => em.getRepository(OpportunityEntity).findOneBy({ id }));
    return opportunity && (await this.owned.canSee(principal, 'opportunities', opportunity.ownerId)) ? opportunity : null;
  }

  /** Opportunities by id in one query, for field resolvers; missing and hidden ids are absent. */
  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, OpportunityEntity>> {
    requireDealRead(principal, 'OPPORTUNITIES', await this.access.overrides(principal));
    const visible = await this.sharing.readScope(principal, 'OPPORTUNITY');
    const rows = await this.db.withTenant(principal.tenantId, (em) =>
      whereVisible(
        em
          .getRepository(OpportunityEntity)
          .createQueryBuilder('o')
          .where('o.id = ANY(:ids)', { ids: [...ids] }),
        visible,
        'o.owner_id',
      ).getMany(),
    );
    return new Map(rows.map((o) => [o.id, o]));
  }

  async list(principal: Principal, args: ListOpportunitiesArgs): Promise<KeysetPage<OpportunityEntity>> {
    requireDealRead(principal, 'OPPORTUNITIES', await this.access.overrides(principal));
    const wanted = pageWindow(args);
    const sort = OPPORTUNITY_SORT[args.orderBy?.field ?? 'CLOSE_DATE'];
    const visible = await this.sharing.readScope(principal, 'OPPORTUNITY');
    return this.db.withTenant(principal.tenantId, async (em) => {
      // In the query, so pages and totalCount hold only what the caller may see.
      const q = whereVisible(em.getRepository(OpportunityEntity).createQueryBuilder('o'), visible, 'o.owner_id');
      applyOpportunityFilter(q, args.filter);
      return paginate(q, {
        ...wanted,
        sortColumn: sort.column,
        idColumn: 'o.id',
        direction: args.orderBy?.direction ?? 'ASC',
        cursorOf: (o) => [sort.value(o), o.id],
      });
    });
  }

  /** Stage history per opportunity id, oldest first. */
  async historyOf(principal: Principal, ids: readonly string[]): Promise<Map<string, OpportunityStageHistoryEntity[]>> {
    requireDealRead(principal, 'OPPORTUNITIES', await this.access.overrides(principal));
    const rows = await this.db.withTenant(principal.tenantId, (em) =>
      em
        .getRepository(OpportunityStageHistoryEntity)
        .createQueryBuilder('h')
        .where('h.opportunity_id = ANY(:ids)', { ids: [...ids] })
        .orderBy('h.changed_at')
        .addOrderBy('h.id')
        .getMany(),
    );
    return groupBy(ids, rows, (h) => h.opportunityId);
  }

  /** The stage a new opportunity starts in: the one named, else the first open stage of the named or default pipeline. */
  private async placement(
    em: EntityManager,
    tenantId: string,
    pipelineId: string | null,
    stageId: string | null,
    f: (n: string) => string,
  ): Promise<PipelineStageEntity> {
    if (stageId) return requireTargetStage(f('stageId'), await findStage(em, stageId), pipelineId) as PipelineStageEntity;
    const pipeline = pipelineId
      ? await em.getRepository(PipelineEntity).findOneBy({ id: pipelineId })
      : await ensureDefaultPipeline(em, tenantId);
    if (!pipeline) throw badUserInput(f('pipelineId'), `no pipeline ${pipelineId}`);
    const stage = firstOpenStage(await activeStages(em, [pipeline.id]));
    if (!stage) throw badUserInput(f('pipelineId'), 'the pipeline has no open stage');
    return stage;
  }
}

/** numeric(19,4) comes back as "1000.0000"; compare amounts by value, not spelling. */
function normalised(o: OpportunityEntity): OpportunityEntity {
  return { ...o, amount: decimal(o.amount).toFixed() };
}
