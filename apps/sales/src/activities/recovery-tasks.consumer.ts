import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  ACTIVITY_CREATED,
  RECOVERY_TASK_REQUESTED,
  STREAMS,
  SYSTEM_ACTOR,
  type RecoveryTaskRequestedDataV1,
  type RecoveryTaskRequestedV1,
} from '@rapport/contracts';
import { appendToOutbox, newEvent, OutboxRelay } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { AuditRecorder, ConsumerRegistry, LOGGER } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { TimelineRecorder } from '../timeline/timeline-recorder';
import { ActivityEntity } from './activity.entity';
import { activitySnapshot } from './activity-events';
import { ActivityReminders } from './activity-reminders';

/**
 * Tasks that marketing's service-recovery journeys ask for
 * (`marketing.recovery.task_requested`, inbox-deduplicated): a TASK on the
 * contact, owned by the owner of the contact's account — the person who
 * holds the relationship — or, without an account owner, the contact's
 * owner. The task takes the request's id, so it exists once however often
 * the request arrives. The MARKETING stream is ensured here because sales
 * may start first. Reminders are planned after the commit, as for any task.
 */
@Injectable()
export class RecoveryTasksConsumer implements OnModuleInit {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly registry: ConsumerRegistry,
    private readonly relay: OutboxRelay,
    private readonly reminders: ActivityReminders,
    private readonly audit: AuditRecorder,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.registry.consumeInBatches<ActivityEntity[]>(STREAMS.MARKETING, {
      durable: 'sales_recovery_tasks',
      eventTypes: [RECOVERY_TASK_REQUESTED],
      handleBatch: async (events, em) => {
        const created: ActivityEntity[] = [];
        for (const event of events) {
          const task = await this.createTask(em, event.tenantId, (event as RecoveryTaskRequestedV1).data);
          if (task) created.push(task);
        }
        return created;
      },
      afterCommit: (_tenantId, _events, created) => {
        this.relay.kick();
        for (const task of created) void this.reminders.plan(task);
      },
    });
  }

  private async createTask(em: EntityManager, tenantId: string, data: RecoveryTaskRequestedDataV1): Promise<ActivityEntity | null> {
    const [contact]: { account_id: string | null; owner_id: string | null }[] = await em.query(
      `SELECT c.account_id, coalesce(a.owner_id, c.owner_id) AS owner_id
         FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE c.id = $1`,
      [data.contactId],
    );
    if (!contact) {
      this.logger.warn({ requestId: data.requestId, contactId: data.contactId }, 'recovery task for an unknown contact; ignored');
      return null;
    }
    const now = new Date();
    const task = Object.assign(new ActivityEntity(), {
      id: data.requestId,
      tenantId,
      type: 'TASK' as const,
      targetType: 'CONTACT' as const,
      targetId: data.contactId,
      subject: data.subject.slice(0, 200),
      body: data.body,
      ownerId: contact.owner_id,
      dueAt: new Date(data.dueAt),
      startsAt: null,
      endsAt: null,
      dueVersion: 0,
      remindedVersion: null,
      completedAt: null,
      completedById: null,
      createdById: null,
      createdAt: now,
      updatedAt: now,
    });
    const exists: unknown[] = await em.query(`SELECT 1 FROM activities WHERE id = $1`, [task.id]);
    if (exists.length > 0) return null;
    await em.getRepository(ActivityEntity).insert(task);
    await TimelineRecorder.record(em, {
      tenantId,
      subjects: [
        { type: 'CONTACT', id: data.contactId },
        { type: 'ACCOUNT', id: contact.account_id },
      ],
      kind: 'ACTIVITY_CREATED',
      occurredAt: now,
      summary: `Task: ${task.subject}`,
      refId: task.id,
    });
    await appendToOutbox(
      em,
      newEvent({ type: ACTIVITY_CREATED, tenantId, actor: SYSTEM_ACTOR, subjectId: task.id, data: { activity: activitySnapshot(task) } }),
    );
    // A record created on another service's request: audited with the system as actor, in the same transaction.
    await this.audit.record(em, {
      tenantId,
      action: 'activity.recoveryTaskCreated',
      objectType: 'Activity',
      objectId: task.id,
      details: { journeyId: data.journeyId, requestId: data.requestId },
    });
    return task;
  }
}
