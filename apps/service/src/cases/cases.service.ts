import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, forbidden, inScope, notFound, type Principal, type RecordScope } from '@rapport/auth';
import {
  CASE_OPENED,
  CASE_REOPENED,
  CASE_RESOLVED,
  CASE_STATUS_CHANGED,
  type CaseCategoryV1,
  type CaseChannelV1,
  type CasePriorityV1,
  type CaseStatusV1,
  type EventActor,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { decodeCursor, type KeysetPage } from '@rapport/persistence';
import {
  AccessPolicy,
  OwnerDirectory,
  type PageArgs,
  pageWindow,
  paginate,
  ServiceDatabase,
  SharingPolicy,
  validate,
  whereVisible,
} from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { customerContact, isStaff, requireCaseAccess, requireCaseChange, requireCaseWork } from '../access/service-access';
import { RoutingService } from '../routing/routing.service';
import { SatisfactionService } from '../satisfaction/satisfaction.service';
import { elapsedBusinessMinutes } from '../sla/elapsed';
import { shiftClocks, startClocks } from '../sla/sla-plan';
import {
  CASE_ORDERS,
  SLA_DUE_BEFORE_SQL,
  SLA_STATE_FILTER_SQL,
  SLA_STATES,
  isSlaSortKey,
  slaSortKey,
  slaSortSql,
  type CaseOrder,
} from '../sla/sla-order';
import { SlaPoliciesService } from '../sla/sla-policies.service';
import type { SlaState } from '../sla/sla-state';
import { SlaTimers } from '../sla/sla-timers';
import { CaseCommentEntity } from './case-comment.entity';
import { CaseEntity } from './case.entity';
import { CaseCustomers } from '../customers/case-customers';
import { canTransition, CATEGORIES, CHANNELS, clocksRun, isReopen, PRIORITIES } from './case-rules';
import { caseSnapshot } from './case-snapshot';

export interface OpenCaseInput {
  contactId?: string | null;
  accountId?: string | null;
  subject: string;
  description?: string | null;
  channel?: CaseChannelV1 | null;
  category?: CaseCategoryV1 | null;
  priority?: CasePriorityV1 | null;
}

export interface CaseFilter {
  status?: CaseStatusV1 | null;
  contactId?: string | null;
  accountId?: string | null;
  queueId?: string | null;
  ownerId?: string | null;
  slaState?: SlaState[] | null;
  slaDueBefore?: Date | null;
}

export interface ListCasesArgs extends PageArgs {
  filter?: CaseFilter | null;
  orderBy?: CaseOrder | null;
}

function oneOf<T extends string>(field: string, value: T | null | undefined, allowed: readonly T[], fallback: T): T {
  if (value == null) return fallback;
  if (!allowed.includes(value)) throw badUserInput(field, `must be one of ${allowed.join(', ')}`);
  return value;
}

/**
 * Cases: opening (routing, assignment, SLA clocks), comments, status
 * changes with pause/resume, manual reassignment, and reads scoped so a
 * customer only ever finds their own cases and public comments.
 */
@Injectable()
export class CasesService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly routing: RoutingService,
    private readonly policies: SlaPoliciesService,
    private readonly timers: SlaTimers,
    private readonly satisfaction: SatisfactionService,
    private readonly customers: CaseCustomers,
    private readonly access: AccessPolicy,
    private readonly sharing: SharingPolicy,
    private readonly owners: OwnerDirectory,
  ) {}

  async open(principal: Principal, input: OpenCaseInput): Promise<CaseEntity> {
    requireCaseAccess(principal, 'CASES', 'WRITE', await this.access.overrides(principal));
    const customer = customerContact(principal);
    const namedContact = customer ?? validate.optionalUuid('contactId', input.contactId) ?? null;
    if (!namedContact) throw badUserInput('contactId', 'is required');
    // Customers open cases for themselves and never choose the account: it is their contact's.
    const namedAccount = customer ? null : (validate.optionalUuid('accountId', input.accountId) ?? null);
    const priority = oneOf('priority', input.priority, PRIORITIES, 'NORMAL');
    if (customer && priority === 'URGENT') throw badUserInput('priority', 'customers can ask for at most HIGH');
    const c = Object.assign(new CaseEntity(), {
      id: uuidv7(),
      tenantId: principal.tenantId,
      subject: validate.requiredText('subject', input.subject, 200),
      description: validate.text('description', input.description, { max: 20_000 }),
      channel: oneOf('channel', input.channel, CHANNELS, customer ? 'WEB' : 'PHONE'),
      category: oneOf('category', input.category, CATEGORIES, 'QUESTION'),
      priority,
      status: 'NEW' as const,
      ownerId: null,
      queueId: null,
      createdByKind: principal.kind,
      createdById: principal.id,
      slaVersion: 0,
    } satisfies Partial<CaseEntity>);
    // May wait briefly for a record created in sales a moment ago; outside the transaction so nothing is held meanwhile.
    if (!customer) await this.customers.requireKnown(principal.tenantId, namedContact, namedAccount);
    const now = new Date();
    Object.assign(c, { createdAt: now, updatedAt: now });
    const actor = actorOf(principal);
    const opened = await this.db.withTenant(principal.tenantId, async (em) => {
      const who = await this.customers.settle(em, principal, { contactId: namedContact, accountId: namedAccount });
      Object.assign(c, who);
      // The tier at this moment decides the policy; later tier changes leave this case's SLA alone.
      c.tier = await this.policies.tierOf(em, c.contactId);
      const sla = await this.policies.termsFor(em, c.priority, c.tier);
      Object.assign(c, {
        slaPolicyId: sla?.policy.id ?? null,
        slaCalendar: sla?.terms.calendar ?? null,
        firstResponseMinutes: sla?.terms.firstResponseMinutes ?? null,
        resolutionMinutes: sla?.terms.resolutionMinutes ?? null,
        warningShare: sla ? String(sla.terms.warningShare) : null,
        escalationQueueId: sla?.policy.escalationQueueId ?? null,
        ...(sla
          ? startClocks(sla.terms, now)
          : { firstResponseDueAt: null, firstResponseWarnAt: null, resolutionDueAt: null, resolutionWarnAt: null }),
        firstRespondedAt: null,
        pausedAt: null,
        firstResponseWarnedAt: null,
        firstResponseBreachedAt: null,
        resolutionWarnedAt: null,
        resolutionBreachedAt: null,
        resolvedAt: null,
        closedAt: null,
      });
      await em.getRepository(CaseEntity).insert(c);
      await this.recordStatus(em, c, null, 'NEW', actor, now);
      await this.db.publish(
        em,
        newEvent({ type: CASE_OPENED, tenantId: c.tenantId, actor, subjectId: c.id, data: { case: caseSnapshot(c) } }),
      );
      const queueId = await this.routing.routeQueue(em, c);
      if (queueId) await this.routing.assign(em, c, { queueId }, 'RULE', actor);
      return c;
    });
    await this.timers.plan(opened);
    return opened;
  }

  /** A case the caller may see, or null: for customers, others' cases simply do not exist. */
  async get(principal: Principal, id: string): Promise<CaseEntity | null> {
    requireCaseAccess(principal, 'CASES', 'READ', await this.access.overrides(principal));
    const caseId = validate.requireUuid('id', id);
    const scope = await this.sharing.readScope(principal, 'CASE');
    return this.db.withTenant(principal.tenantId, (em) => this.visible(em, principal, scope, caseId));
  }

  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, CaseEntity>> {
    requireCaseAccess(principal, 'CASES', 'READ', await this.access.overrides(principal));
    const scope = await this.sharing.readScope(principal, 'CASE');
    const rows = await this.db.withTenant(principal.tenantId, async (em) => {
      const q = whereVisible(
        em
          .getRepository(CaseEntity)
          .createQueryBuilder('c')
          .where('c.id = ANY(:ids)', { ids: [...ids] }),
        scope,
        'c.owner_id',
      );
      const contact = await this.customers.scope(em, principal);
      if (contact) q.andWhere('c.contact_id = :contact', { contact });
      return q.getMany();
    });
    return new Map(rows.map((c) => [c.id, c]));
  }

  async list(principal: Principal, args: ListCasesArgs): Promise<KeysetPage<CaseEntity>> {
    requireCaseAccess(principal, 'CASES', 'READ', await this.access.overrides(principal));
    const wanted = pageWindow(args);
    const f = args.filter ?? {};
    const contactFilter = f.contactId != null ? validate.requireUuid('filter.contactId', f.contactId) : null;
    const order = oneOf('orderBy', args.orderBy, CASE_ORDERS, 'NEWEST');
    const slaStates = f.slaState != null ? validate.listOf('filter.slaState', f.slaState, SLA_STATES.length) : null;
    for (const s of slaStates ?? [])
      if (!SLA_STATES.includes(s)) throw badUserInput('filter.slaState', `must be among ${SLA_STATES.join(', ')}`);
    if (f.slaDueBefore != null && Number.isNaN(new Date(f.slaDueBefore).getTime()))
      throw badUserInput('filter.slaDueBefore', 'must be an instant');
    // SLA clocks are internal (Case.sla is staff-only): customers may not filter or sort by them either.
    if (!isStaff(principal) && (slaStates || f.slaDueBefore != null || order !== 'NEWEST'))
      throw forbidden('SLA filters and orders are for staff');
    const scope = await this.sharing.readScope(principal, 'CASE');
    return this.db.withTenant(principal.tenantId, async (em) => {
      // In the query, so pages and totalCount (also Contact.cases, Account.cases) hold only what the caller may see.
      const q = whereVisible(em.getRepository(CaseEntity).createQueryBuilder('c'), scope, 'c.owner_id');
      const contact = await this.customers.scope(em, principal);
      if (contact) q.andWhere('c.contact_id = :own', { own: contact });
      if (f.status != null) q.andWhere('c.status = :status', { status: f.status });
      // A customer asking for their own (bound) contact's cases means the contact they act as.
      if (contactFilter)
        q.andWhere('c.contact_id = :contactId', { contactId: contact && contactFilter === principal.contactId ? contact : contactFilter });
      if (f.accountId != null)
        q.andWhere('c.account_id = :accountId', { accountId: validate.requireUuid('filter.accountId', f.accountId) });
      if (f.queueId != null) q.andWhere('c.queue_id = :queueId', { queueId: validate.requireUuid('filter.queueId', f.queueId) });
      if (f.ownerId != null) q.andWhere('c.owner_id = :ownerId', { ownerId: validate.requireUuid('filter.ownerId', f.ownerId) });
      // SLA states are as of one instant for the whole page: the filter, the order and the cursors all read it.
      const now = new Date();
      q.setParameter('slaNow', now.toISOString());
      if (slaStates) q.andWhere(SLA_STATE_FILTER_SQL, { slaStates });
      if (f.slaDueBefore != null) q.andWhere(SLA_DUE_BEFORE_SQL, { slaDueBefore: f.slaDueBefore.toISOString() });
      if (order !== 'NEWEST') {
        for (const [field, cursor] of [
          ['after', args.after],
          ['before', args.before],
        ] as const) {
          const value = cursor ? decodeCursor(cursor)?.[0] : undefined;
          if (value !== undefined && !isSlaSortKey(order, value)) throw badUserInput(field, `not a cursor of the ${order} order`);
        }
        // Soonest due (or most urgent) first; cases without a running clock last. Ties by id.
        return paginate(q, {
          ...wanted,
          sortColumn: slaSortSql(order),
          idColumn: 'c.id',
          direction: 'ASC',
          cursorOf: (c) => [slaSortKey(order, c, now), c.id],
        });
      }
      return paginate(q, {
        ...wanted,
        sortColumn: 'c.created_at',
        idColumn: 'c.id',
        direction: 'DESC',
        cursorOf: (c) => [c.createdAt.toISOString(), c.id],
      });
    });
  }

  async comment(
    principal: Principal,
    input: { caseId: string; body: string; visibility?: 'PUBLIC' | 'INTERNAL' | null },
  ): Promise<{ comment: CaseCommentEntity; case: CaseEntity }> {
    requireCaseAccess(principal, 'CASE_COMMENTS', 'WRITE', await this.access.overrides(principal));
    const caseId = validate.requireUuid('caseId', input.caseId);
    const body = validate.requiredText('body', input.body, 20_000);
    const visibility = oneOf('visibility', input.visibility, ['PUBLIC', 'INTERNAL'] as const, 'PUBLIC');
    const actor = actorOf(principal);
    let replan = false;
    const scope = await this.sharing.readScope(principal, 'CASE');
    const result = await this.db.withTenant(principal.tenantId, async (em) => {
      // Commenting needs the case visible, not changeable: a colleague may add a note to a case another agent owns.
      const c = await this.visible(em, principal, scope, caseId, true);
      if (!c) throw notFound('Case', caseId);
      if (!isStaff(principal) && visibility === 'INTERNAL') throw badUserInput('visibility', 'customers comment publicly');
      if (!isStaff(principal) && c.status === 'CLOSED') throw conflict(`case ${c.id} is closed; open a new case`, 'caseId');
      const now = new Date();
      const comment = Object.assign(new CaseCommentEntity(), {
        id: uuidv7(),
        tenantId: c.tenantId,
        caseId: c.id,
        visibility,
        body,
        authorKind: principal.kind,
        authorId: principal.id,
        createdAt: now,
      });
      await em.getRepository(CaseCommentEntity).insert(comment);
      if (isStaff(principal) && visibility === 'PUBLIC' && !c.firstRespondedAt) {
        // A public reply by the team stops the first-response clock.
        c.firstRespondedAt = now;
        c.slaVersion += 1;
        c.updatedAt = now;
        // Kept for metrics: business minutes of the case's calendar to this reply, pauses excluded.
        const minutes = elapsedBusinessMinutes(
          { calendar: c.slaCalendar, createdAt: c.createdAt, targetMinutes: c.firstResponseMinutes, dueAt: c.firstResponseDueAt },
          c.pausedAt ?? now,
        );
        await em.query(
          `UPDATE cases SET first_responded_at = $2, sla_version = $3, updated_at = $2, first_response_business_minutes = $4 WHERE id = $1`,
          [c.id, now, c.slaVersion, minutes],
        );
        replan = true;
      } else if (!isStaff(principal) && (c.status === 'PENDING_CUSTOMER' || c.status === 'RESOLVED')) {
        // The customer answered, or the resolution did not help (a reopen): back with the team, clocks running again.
        await this.transition(em, c, 'OPEN', actor, now);
        replan = true;
      }
      return { comment, case: c };
    });
    if (replan) await this.timers.plan(result.case);
    return result;
  }

  async changeStatus(principal: Principal, input: { caseId: string; status: CaseStatusV1 }): Promise<CaseEntity> {
    requireCaseWork(principal, await this.access.overrides(principal));
    const caseId = validate.requireUuid('caseId', input.caseId);
    const scope = await this.sharing.readScope(principal, 'CASE');
    const writable = await this.sharing.writeScope(principal, 'CASE');
    const c = await this.db.withTenant(principal.tenantId, async (em) => {
      const c = await this.visible(em, principal, scope, caseId, true);
      if (!c) throw notFound('Case', caseId);
      requireCaseChange(writable, c);
      if (!canTransition(c.status, input.status)) throw conflict(`a ${c.status} case cannot become ${input.status}`, 'status');
      await this.transition(em, c, input.status, actorOf(principal), new Date());
      return c;
    });
    await this.timers.plan(c);
    return c;
  }

  async assign(principal: Principal, input: { caseId: string; queueId?: string | null; ownerId?: string | null }): Promise<CaseEntity> {
    requireCaseWork(principal, await this.access.overrides(principal));
    const caseId = validate.requireUuid('caseId', input.caseId);
    const queueId = validate.optionalUuid('queueId', input.queueId) ?? null;
    const ownerId = validate.optionalUuid('ownerId', input.ownerId) ?? null;
    if (!queueId && !ownerId) throw badUserInput('input', 'give a queueId, an ownerId or both');
    const scope = await this.sharing.readScope(principal, 'CASE');
    const writable = await this.sharing.writeScope(principal, 'CASE');
    await this.owners.awaitInFlight(principal, [ownerId]);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const c = await this.visible(em, principal, scope, caseId, true);
      if (!c) throw notFound('Case', caseId);
      requireCaseChange(writable, c);
      if (queueId) await this.routing.requireQueue(em, queueId);
      await this.owners.requireOwners(em, principal, [{ field: 'ownerId', id: ownerId }]);
      const target = { queueId: queueId ?? c.queueId, ...(ownerId ? { ownerId } : queueId ? {} : { ownerId: c.ownerId }) };
      await this.routing.assign(em, c, target, 'MANUAL', actorOf(principal));
      return c;
    });
  }

  /**
   * Moves the case, keeping its clocks exact: leaving a running state pauses
   * them (pausedAt), entering one again moves every due time later by the
   * business minutes paused. Each change bumps the SLA version so old timers
   * go stale. Records history and publishes the events. Mutates `c`.
   */
  private async transition(em: EntityManager, c: CaseEntity, to: CaseStatusV1, actor: EventActor, now: Date): Promise<void> {
    const from = c.status;
    const wasRunning = clocksRun(from);
    const willRun = clocksRun(to);
    if (c.slaPolicyId && wasRunning !== willRun) {
      if (!willRun) c.pausedAt ??= now;
      else if (c.pausedAt && c.slaCalendar) {
        Object.assign(c, shiftClocks(c.slaCalendar, c, c.pausedAt, now));
        c.pausedAt = null;
      }
      c.slaVersion += 1;
    }
    c.status = to;
    if (to === 'RESOLVED') c.resolvedAt = now;
    if (to === 'CLOSED') c.closedAt = now;
    c.updatedAt = now;
    await em.getRepository(CaseEntity).update(
      { id: c.id },
      {
        status: c.status,
        pausedAt: c.pausedAt,
        slaVersion: c.slaVersion,
        firstResponseDueAt: c.firstResponseDueAt,
        firstResponseWarnAt: c.firstResponseWarnAt,
        resolutionDueAt: c.resolutionDueAt,
        resolutionWarnAt: c.resolutionWarnAt,
        resolvedAt: c.resolvedAt,
        closedAt: c.closedAt,
        updatedAt: now,
      },
    );
    await this.recordStatus(em, c, from, to, actor, now);
    if (to === 'RESOLVED') {
      // Business minutes to this resolution (pauses excluded; a re-resolution replaces it), and a new satisfaction request.
      const minutes = elapsedBusinessMinutes(
        { calendar: c.slaCalendar, createdAt: c.createdAt, targetMinutes: c.resolutionMinutes, dueAt: c.resolutionDueAt },
        c.pausedAt ?? now,
      );
      await em.query(`UPDATE cases SET resolution_business_minutes = $2 WHERE id = $1`, [c.id, minutes]);
      await this.satisfaction.request(em, c, now);
    }
    const base = { tenantId: c.tenantId, actor, subjectId: c.id };
    await this.db.publish(em, newEvent({ ...base, type: CASE_STATUS_CHANGED, data: { caseId: c.id, from, to } }));
    if (to === 'RESOLVED') {
      await this.db.publish(em, newEvent({ ...base, type: CASE_RESOLVED, data: { case: caseSnapshot(c), resolvedAt: now.toISOString() } }));
    }
    if (isReopen(from, to)) {
      await this.db.publish(em, newEvent({ ...base, type: CASE_REOPENED, data: { case: caseSnapshot(c), reopenedAt: now.toISOString() } }));
    }
  }

  private async recordStatus(em: EntityManager, c: CaseEntity, from: CaseStatusV1 | null, to: CaseStatusV1, actor: EventActor, at: Date) {
    await em.query(
      `INSERT INTO case_status_history (id, tenant_id, case_id, from_status, to_status, changed_at, actor_kind, actor_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [uuidv7(), c.tenantId, c.id, from, to, at, actor.kind, actor.id],
    );
  }

  /**
   * The case if the caller may see it (customers: only their contact's; staff:
   * what the tenant's sharing rule lets them), optionally locked for a change.
   */
  private async visible(em: EntityManager, principal: Principal, scope: RecordScope, id: string, lock = false): Promise<CaseEntity | null> {
    const contact = await this.customers.scope(em, principal);
    const c = await em.getRepository(CaseEntity).findOne({
      where: contact ? { id, contactId: contact } : { id },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    return c && inScope(scope, c.ownerId) ? c : null;
  }
}
