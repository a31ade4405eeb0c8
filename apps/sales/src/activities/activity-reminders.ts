import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { ACTIVITY_DUE, SYSTEM_ACTOR } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { JobQueues, LOGGER, removeStaleJob, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { Job, Queue } from 'bullmq';
import { ActivityEntity } from './activity.entity';
import { activitySnapshot } from './activity-events';
import { needsReminder, reminderDelay, reminderJobId } from './activity-rules';
import type { SalesConfig } from '../sales.env';

/** The queue is per database schema (`sales` in production), so test instances on their own schemas never take each other's jobs. */
export function reminderQueueName(dbSchema: string): string {
  return `${dbSchema}-activity-reminders`;
}

export interface ReminderJobData {
  tenantId: string;
  activityId: string;
  dueVersion: number;
  /** The due time the job was planned for (ISO); a changed due time makes the job stale. */
  dueAt: string;
}

const SWEEP_PAGE = 500;

/**
 * Activity reminders as BullMQ delayed jobs (keys under REDIS_PREFIX), the
 * same design as the service app's SLA timers. Job ids are derived from the
 * activity and its due version, so rescheduling adds a new id (the old job is
 * removed, and would find a newer version anyway) and re-adding after a
 * restart is a no-op. A job re-reads the activity under a row lock and marks
 * the reminded version in the same transaction as its event, so none fires
 * twice. Jobs are added only after the activity's transaction commits; a
 * paged sweep at start re-plans open activities in case a process died in
 * between.
 */
@Injectable()
export class ActivityReminders implements OnModuleInit, OnApplicationBootstrap {
  private queue!: Queue<ReminderJobData>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: SalesConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
    private readonly jobs: JobQueues,
  ) {}

  onModuleInit(): void {
    this.queue = this.jobs.queue<ReminderJobData>(reminderQueueName(this.config.dbSchema), {
      attempts: 10,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  /** The worker starts once the whole app is up, then the sweep re-plans open activities. */
  onApplicationBootstrap(): void {
    this.jobs.worker<ReminderJobData>(reminderQueueName(this.config.dbSchema), (job) => this.fire(job.data), {
      concurrency: 8,
      describe: (job) => ({ activityId: job.data.activityId, dueVersion: job.data.dueVersion }),
    });
    this.jobs.inBackground('activity reminder sweep', () => this.sweep());
  }

  /**
   * Adds the activity's reminder (after its transaction committed) and drops
   * the previous due version's job. Never throws: the change is stored, and
   * the sweep at the next start repairs a job Redis could not take now.
   */
  async plan(a: ActivityEntity): Promise<void> {
    const scale = this.config.SALES_REMINDER_DELAY_PERCENT / 100;
    try {
      const dueAt = a.dueAt;
      if (dueAt && needsReminder(a)) {
        const data: ReminderJobData = { tenantId: a.tenantId, activityId: a.id, dueVersion: a.dueVersion, dueAt: dueAt.toISOString() };
        await this.queue.add('activity.due', data, {
          jobId: reminderJobId(a.id, a.dueVersion),
          delay: reminderDelay(dueAt, new Date(), scale),
        });
      }
    } catch (err) {
      this.logger.error({ err, activityId: a.id }, 'could not plan activity reminder');
    }
    // An older version's job would only find a newer version; removing it early saves the work.
    if (a.dueVersion > 0) await removeStaleJob(this.queue, reminderJobId(a.id, a.dueVersion - 1));
  }

  /** Drops the reminder of a completed activity (a job running right now finds it completed and does nothing). */
  async cancel(a: ActivityEntity): Promise<void> {
    await removeStaleJob(this.queue, reminderJobId(a.id, a.dueVersion));
  }

  /** The reminder job of an activity's due version, if still in Redis (for tests and diagnostics). */
  async job(activityId: string, dueVersion: number): Promise<Job<ReminderJobData> | undefined> {
    return this.queue.getJob(reminderJobId(activityId, dueVersion));
  }

  /** Re-plans every open activity with a pending reminder, a page at a time (idempotent thanks to the derived job ids). */
  async sweep(): Promise<number> {
    let planned = 0;
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await this.db.tenantDb.system((em) =>
        em
          .getRepository(ActivityEntity)
          .createQueryBuilder('a')
          .where('a.completed_at IS NULL AND a.due_at IS NOT NULL AND a.id > :afterId', { afterId })
          .andWhere('(a.reminded_version IS NULL OR a.reminded_version <> a.due_version)')
          .orderBy('a.id')
          .limit(SWEEP_PAGE)
          .getMany(),
      );
      for (const a of page) await this.plan(a);
      planned += page.length;
      if (page.length < SWEEP_PAGE) return planned;
      afterId = page[page.length - 1].id;
    }
  }

  /** Runs one reminder: does nothing unless the activity is still open with the due time the job was planned for. */
  async fire(job: ReminderJobData): Promise<'fired' | 'stale'> {
    return this.db.withTenant(job.tenantId, async (em) => {
      const a = await em.getRepository(ActivityEntity).findOne({ where: { id: job.activityId }, lock: { mode: 'pessimistic_write' } });
      if (!a || a.dueVersion !== job.dueVersion || a.dueAt?.toISOString() !== job.dueAt || !needsReminder(a)) return 'stale';
      await em.query(`UPDATE activities SET reminded_version = $2 WHERE id = $1`, [a.id, a.dueVersion]);
      await this.db.publish(
        em,
        newEvent({
          type: ACTIVITY_DUE,
          tenantId: a.tenantId,
          actor: SYSTEM_ACTOR,
          subjectId: a.id,
          data: { activity: activitySnapshot(a), dueVersion: a.dueVersion },
        }),
      );
      return 'fired';
    });
  }
}
