import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, notFound, type Principal } from '@rapport/auth';
import { ACTIVITY_COMPLETED, ACTIVITY_CREATED } from '@rapport/contracts';
import type { KeysetPage } from '@rapport/persistence';
import { newEvent } from '@rapport/messaging';
import {
  AuditRecorder,
  OwnerDirectory,
  type PageArgs,
  pageWindow,
  paginate,
  ServiceDatabase,
  SharingPolicy,
  validate,
} from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { rescoreLead } from '../lead-rules/lead-automation';
import { TimelineRecorder } from '../timeline/timeline-recorder';
import { ActivityEntity } from './activity.entity';
import { requireActivityCreate, requireActivityRead, requireActivityReassign, requireChangeActivity } from './activity-access';
import { activitySnapshot } from './activity-events';
import { applyActivityFilter, type ActivityFilter } from './activity-list-query';
import { ActivityReminders } from './activity-reminders';
import { checkTiming, requireActivityType, requireTargetType, type ActivityTargetType, type ActivityType } from './activity-rules';
import { resolveTarget } from './activity-targets';
import { targetVisible, whereActivityVisible, type ActivityTargetScopes } from './activity-visibility';

export interface CreateActivityInput {
  type: ActivityType;
  target: { type: ActivityTargetType; id: string };
  subject: string;
  body?: string | null;
  ownerId?: string | null;
  dueAt?: Date | null;
  startsAt?: Date | null;
  endsAt?: Date | null;
}

export interface UpdateActivityInput {
  id: string;
  subject?: string | null;
  body?: string | null;
  ownerId?: string | null;
  dueAt?: Date | null;
  startsAt?: Date | null;
  endsAt?: Date | null;
}

export interface ListActivitiesArgs extends PageArgs {
  filter?: ActivityFilter | null;
}

const LABEL: Record<ActivityType, string> = { TASK: 'Task', CALL: 'Call', MEETING: 'Meeting', NOTE: 'Note' };

/**
 * Tasks, calls, meetings and notes. Each change locks the activity, writes
 * its timeline entry and its event in the same transaction; reminders are
 * (re)planned or cancelled only after that transaction committed.
 */
@Injectable()
export class ActivitiesService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly reminders: ActivityReminders,
    private readonly owners: OwnerDirectory,
    private readonly sharing: SharingPolicy,
    private readonly audit: AuditRecorder,
  ) {}

  async create(principal: Principal, input: CreateActivityInput): Promise<ActivityEntity> {
    const type = requireActivityType('type', input.type);
    const targetType = requireTargetType('target.type', input.target?.type);
    const targetId = validate.requireUuid('target.id', input.target?.id ?? '');
    const ownerId = validate.optionalUuid('ownerId', input.ownerId) ?? (principal.kind === 'user' ? principal.id : null);
    requireActivityCreate(principal, ownerId);
    const timing = checkTiming(type, { dueAt: input.dueAt ?? null, startsAt: input.startsAt ?? null, endsAt: input.endsAt ?? null });
    const now = new Date();
    const byUser = principal.kind === 'user' ? principal.id : null;
    const activity = Object.assign(new ActivityEntity(), {
      id: uuidv7(),
      tenantId: principal.tenantId,
      type,
      targetType,
      targetId,
      subject: validate.requiredText('subject', input.subject, 200),
      body: validate.text('body', input.body, { max: 10_000 }),
      ownerId,
      ...timing,
      dueVersion: 0,
      remindedVersion: null,
      // A note records something that happened: it is complete when written.
      completedAt: type === 'NOTE' ? now : null,
      completedById: type === 'NOTE' ? byUser : null,
      createdById: byUser,
      createdAt: now,
      updatedAt: now,
    });
    await this.owners.awaitInFlight(principal, [ownerId]);
    const scopes = await this.targetScopes(principal);
    await this.db.withTenant(principal.tenantId, async (em) => {
      const subjects = await resolveTarget(em, 'target.id', targetType, targetId);
      // A target the tenant's sharing hides is as absent as a missing one.
      if (!(await targetVisible(em, scopes, targetType, targetId)))
        throw badUserInput('target.id', `no ${targetType.toLowerCase()} ${targetId}`);
      await this.owners.requireOwners(em, principal, [{ field: 'ownerId', id: ownerId }]);
      await em.getRepository(ActivityEntity).insert(activity);
      await TimelineRecorder.record(em, {
        tenantId: principal.tenantId,
        subjects,
        kind: 'ACTIVITY_CREATED',
        occurredAt: now,
        summary: `${LABEL[type]}: ${activity.subject}`,
        refId: activity.id,
      });
      await this.db.publish(
        em,
        newEvent({
          type: ACTIVITY_CREATED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: activity.id,
          data: { activity: activitySnapshot(activity) },
        }),
      );
    });
    await this.reminders.plan(activity);
    return activity;
  }

  /** Changes an open activity; a new due time bumps the due version, which replaces the reminder. */
  async update(principal: Principal, input: UpdateActivityInput): Promise<ActivityEntity> {
    const id = validate.requireUuid('id', input.id);
    await this.owners.awaitInFlight(principal, [input.ownerId]);
    const scopes = await this.targetScopes(principal);
    const { after, rescheduled } = await this.db.withTenant(principal.tenantId, async (em) => {
      const before = await this.lock(em, id, scopes);
      requireChangeActivity(principal, before.ownerId);
      if (before.completedAt) throw conflict(`activity ${id} is completed and no longer changes`);
      const next = Object.assign(new ActivityEntity(), before);
      if ('subject' in input) next.subject = validate.requiredText('subject', input.subject, 200);
      if ('body' in input) next.body = validate.text('body', input.body, { max: 10_000 });
      if ('ownerId' in input) {
        next.ownerId = validate.optionalUuid('ownerId', input.ownerId) ?? null;
        if (next.ownerId !== before.ownerId) {
          requireActivityReassign(principal);
          await this.owners.requireOwners(em, principal, [{ field: 'ownerId', id: next.ownerId }]);
        }
      }
      const timing = checkTiming(before.type, {
        dueAt: 'dueAt' in input ? (input.dueAt ?? null) : before.type === 'MEETING' && 'startsAt' in input ? null : before.dueAt,
        startsAt: 'startsAt' in input ? (input.startsAt ?? null) : before.startsAt,
        endsAt: 'endsAt' in input ? (input.endsAt ?? null) : before.endsAt,
      });
      Object.assign(next, timing);
      const moved = (before.dueAt?.getTime() ?? null) !== (next.dueAt?.getTime() ?? null);
      if (moved) next.dueVersion = before.dueVersion + 1;
      next.updatedAt = new Date();
      await em.getRepository(ActivityEntity).update({ id }, { ...next });
      return { after: next, rescheduled: moved };
    });
    if (rescheduled) await this.reminders.plan(after);
    return after;
  }

  /** Completes an open activity (completing twice is a CONFLICT); cancels its reminder and rescores its lead. */
  async complete(principal: Principal, input: { id: string }): Promise<ActivityEntity> {
    const id = validate.requireUuid('id', input.id);
    const scopes = await this.targetScopes(principal);
    const after = await this.db.withTenant(principal.tenantId, async (em) => {
      const before = await this.lock(em, id, scopes);
      requireChangeActivity(principal, before.ownerId);
      if (before.completedAt) throw conflict(`activity ${id} is already completed`);
      const now = new Date();
      const done = Object.assign(new ActivityEntity(), before, {
        completedAt: now,
        completedById: principal.kind === 'user' ? principal.id : null,
        updatedAt: now,
      });
      await em.getRepository(ActivityEntity).update({ id }, { completedAt: now, completedById: done.completedById, updatedAt: now });
      const subjects = await resolveTarget(em, 'id', before.targetType, before.targetId);
      await TimelineRecorder.record(em, {
        tenantId: principal.tenantId,
        subjects,
        kind: 'ACTIVITY_COMPLETED',
        occurredAt: now,
        summary: `${LABEL[before.type]} done: ${before.subject}`,
        refId: id,
      });
      await this.db.publish(
        em,
        newEvent({
          type: ACTIVITY_COMPLETED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: id,
          data: { activity: activitySnapshot(done) },
        }),
      );
      if (before.targetType === 'LEAD')
        await rescoreLead(em, before.targetId, (e, ev) => this.db.publish(e, ev), this.audit, { activityId: id });
      return done;
    });
    await this.reminders.cancel(after);
    return after;
  }

  async get(principal: Principal, id: string): Promise<ActivityEntity | null> {
    validate.requireUuid('id', id);
    requireActivityRead(principal);
    const scopes = await this.targetScopes(principal);
    return this.db.withTenant(principal.tenantId, (em) =>
      whereActivityVisible(em.getRepository(ActivityEntity).createQueryBuilder('a').where('a.id = :id', { id }), scopes).getOne(),
    );
  }

  /** Activities of the tenant, oldest first. */
  async list(principal: Principal, args: ListActivitiesArgs): Promise<KeysetPage<ActivityEntity>> {
    requireActivityRead(principal);
    const wanted = pageWindow(args);
    const scopes = await this.targetScopes(principal);
    return this.db.withTenant(principal.tenantId, async (em) => {
      // In the query, so pages and totalCount hold only activities about what the caller may see.
      const q = whereActivityVisible(em.getRepository(ActivityEntity).createQueryBuilder('a'), scopes);
      applyActivityFilter(q, args.filter);
      return paginate(q, {
        ...wanted,
        sortColumn: 'a.created_at',
        idColumn: 'a.id',
        direction: 'ASC',
        cursorOf: (a) => [a.createdAt.toISOString(), a.id],
      });
    });
  }

  /** What the caller may see of each kind of target (activities are visible with what they are about). */
  async targetScopes(principal: Principal): Promise<ActivityTargetScopes> {
    const [LEAD, CONTACT, ACCOUNT, OPPORTUNITY] = await Promise.all(
      (['LEAD', 'CONTACT', 'ACCOUNT', 'OPPORTUNITY'] as const).map((object) => this.sharing.readScope(principal, object)),
    );
    return { LEAD, CONTACT, ACCOUNT, OPPORTUNITY };
  }

  /** The activity locked for a change; one about a target the caller may not see is not found. */
  private async lock(em: EntityManager, id: string, scopes: ActivityTargetScopes): Promise<ActivityEntity> {
    const a = await em.getRepository(ActivityEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!a || !(await targetVisible(em, scopes, a.targetType, a.targetId))) throw notFound('Activity', id);
    return a;
  }
}
