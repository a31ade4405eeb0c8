import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { CASE_SLA_BREACHED, CASE_SLA_WARNING, SYSTEM_ACTOR, type CaseSlaDataV1, type SlaKindV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { returnedRows } from '@rapport/persistence';
import type { Logger, ServiceMetrics } from '@rapport/observability';
import { AuditRecorder, JobQueues, LOGGER, METRICS, removeStaleJob, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { Queue } from 'bullmq';
import { In, IsNull, Not, type EntityManager } from 'typeorm';
import { CaseEntity } from '../cases/case.entity';
import { storeSlaMark } from '../cases/case-rows';
import { clocksRun } from '../cases/case-rules';
import { EscalationRunner } from '../escalation/escalation-runner';
import { recordNotification } from '../notifications/notification-record';
import type { ServiceConfig } from '../service.env';
import { slaTimerMetrics, type SlaTimerMetrics } from './sla-metrics';
import { pendingTimers, slaJobId, timerDelay, type SlaStage, type TimerState } from './sla-plan';

export const SLA_QUEUE = 'service-sla';

export interface SlaJobData {
  tenantId: string;
  caseId: string;
  kind: SlaKindV1;
  stage: SlaStage;
  version: number;
}

export function timerState(c: CaseEntity): TimerState {
  return {
    caseId: c.id,
    slaVersion: c.slaVersion,
    running: c.slaPolicyId !== null && clocksRun(c.status),
    firstResponseDueAt: c.firstResponseDueAt,
    firstResponseWarnAt: c.firstResponseWarnAt,
    resolutionDueAt: c.resolutionDueAt,
    resolutionWarnAt: c.resolutionWarnAt,
    firstRespondedAt: c.firstRespondedAt,
    firstResponseWarnedAt: c.firstResponseWarnedAt,
    firstResponseBreachedAt: c.firstResponseBreachedAt,
    resolutionWarnedAt: c.resolutionWarnedAt,
    resolutionBreachedAt: c.resolutionBreachedAt,
  };
}

/**
 * SLA timers as BullMQ delayed jobs (keys under REDIS_PREFIX). Job ids are
 * derived from case, clock, stage and the case's SLA version, so re-planning
 * (pause, resume, first reply, resolution) adds new ids and leaves the old
 * ones to find a newer version and do nothing, and re-adding after a restart
 * is a no-op. A job re-reads the case under a row lock and records the
 * warning/breach in the same transaction as its event, so none fires twice.
 * Timers are planned only after the case's transaction commits; a sweep at
 * start re-plans running cases, in case a process died in between.
 */
@Injectable()
export class SlaTimers implements OnModuleInit, OnApplicationBootstrap {
  private queue!: Queue<SlaJobData>;
  private readonly metrics: SlaTimerMetrics;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
    private readonly jobs: JobQueues,
    private readonly escalation: EscalationRunner,
    private readonly audit: AuditRecorder,
    @Inject(METRICS) metrics: ServiceMetrics,
  ) {
    this.metrics = slaTimerMetrics(metrics.registry);
  }

  onModuleInit(): void {
    this.queue = this.jobs.queue<SlaJobData>(SLA_QUEUE, {
      attempts: 10,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  /** The worker starts once the whole app is up (its handler needs every service), then the sweep re-plans. */
  onApplicationBootstrap(): void {
    this.jobs.worker<SlaJobData>(
      SLA_QUEUE,
      async (job) => {
        const outcome = await this.fire(job.data);
        this.metrics.ran(job.data.kind, job.data.stage, outcome, job.timestamp + (job.opts.delay ?? 0));
        return outcome;
      },
      {
        concurrency: 8,
        describe: (job) => ({ caseId: job.data.caseId, kind: job.data.kind, stage: job.data.stage }),
      },
    );
    this.jobs.inBackground('SLA timer sweep', () => this.sweep());
  }

  /**
   * Adds the case's pending timers (after its transaction committed). Never
   * throws: the change is stored, and the sweep at the next start repairs a
   * timer Redis could not take now.
   */
  async plan(c: CaseEntity, sweeping = false): Promise<void> {
    const now = new Date();
    const scale = this.config.SERVICE_SLA_DELAY_PERCENT / 100;
    try {
      for (const t of pendingTimers(timerState(c))) {
        await this.queue.add(
          `${t.kind}.${t.stage}`,
          { tenantId: c.tenantId, caseId: c.id, kind: t.kind, stage: t.stage, version: c.slaVersion },
          { jobId: t.jobId, delay: timerDelay(t.fireAt, now, scale) },
        );
      }
    } catch (err) {
      this.logger.error({ err, caseId: c.id }, 'could not plan SLA timers');
    }
    if (c.slaVersion > 0) {
      // The previous version's timers would only find a newer version; dropping them early just saves work.
      for (const kind of ['FIRST_RESPONSE', 'RESOLUTION'] as const)
        for (const stage of ['WARNING', 'BREACH'] as const) await removeStaleJob(this.queue, slaJobId(c.id, kind, stage, c.slaVersion - 1));
    }
    // Whatever changed may make an escalation rule's level due now or later: a check finds out and schedules the next.
    await this.escalation.afterChange(c, sweeping);
  }

  /** Re-plans every running case (idempotent thanks to the derived job ids). */
  async sweep(): Promise<number> {
    const running = await this.db.tenantDb.system((em) =>
      em.getRepository(CaseEntity).find({ where: { status: In(['NEW', 'OPEN']), slaPolicyId: Not(IsNull()) }, take: 10_000 }),
    );
    for (const c of running) await this.plan(c, true);
    return running.length;
  }

  /**
   * Runs one timer: does nothing unless the case still is in the state the
   * timer was planned for. A warning or breach is what many escalation rules
   * wait for: they are evaluated in the same transaction (ADR 051), and a
   * later level they plan is scheduled once it committed.
   */
  async fire(job: SlaJobData): Promise<'fired' | 'stale'> {
    let next: Date | null = null;
    const result = await this.db.withTenant(job.tenantId, async (em): Promise<'fired' | 'stale'> => {
      const c = await em.getRepository(CaseEntity).findOne({ where: { id: job.caseId }, lock: { mode: 'pessimistic_write' } });
      if (!c || c.slaVersion !== job.version || !timerState(c).running) return 'stale';
      const fr = job.kind === 'FIRST_RESPONSE';
      if (fr && c.firstRespondedAt) return 'stale';
      const now = new Date();
      const data = (): CaseSlaDataV1 => ({
        caseId: c.id,
        kind: job.kind,
        dueAt: ((fr ? c.firstResponseDueAt : c.resolutionDueAt) as Date).toISOString(),
        targetMinutes: (fr ? c.firstResponseMinutes : c.resolutionMinutes) as number,
        priority: c.priority,
        tier: c.tier,
        queueId: c.queueId,
        ownerId: c.ownerId,
      });
      if (job.stage === 'WARNING') {
        if (fr ? c.firstResponseWarnedAt || c.firstResponseBreachedAt : c.resolutionWarnedAt || c.resolutionBreachedAt) return 'stale';
        await storeSlaMark(em, c.id, fr ? 'first_response' : 'resolution', 'warned', now);
        // The escalation rules read the mark from the case in hand.
        if (fr) c.firstResponseWarnedAt = now;
        else c.resolutionWarnedAt = now;
        await this.db.publish(
          em,
          newEvent({ type: CASE_SLA_WARNING, tenantId: c.tenantId, actor: SYSTEM_ACTOR, subjectId: c.id, data: data() }),
        );
        await this.notifyAssigneeAndManager(em, c, 'SLA_WARNING', data().dueAt, now);
        next = await this.escalation.evaluate(em, c, now);
        // A job's change is audited like a user's, with the system as actor, in the change's transaction.
        await this.audit.record(em, {
          tenantId: c.tenantId,
          action: 'case.slaWarned',
          objectType: 'Case',
          objectId: c.id,
          details: { kind: job.kind },
        });
        return 'fired';
      }
      if (fr ? c.firstResponseBreachedAt : c.resolutionBreachedAt) return 'stale';
      await storeSlaMark(em, c.id, fr ? 'first_response' : 'resolution', 'breached', now);
      if (fr) c.firstResponseBreachedAt = now;
      else c.resolutionBreachedAt = now;
      await this.db.publish(
        em,
        newEvent({ type: CASE_SLA_BREACHED, tenantId: c.tenantId, actor: SYSTEM_ACTOR, subjectId: c.id, data: data() }),
      );
      await this.notifyAssigneeAndManager(em, c, 'SLA_BREACHED', data().dueAt, now);
      const fromPriority = c.priority;
      next = await this.escalation.evaluate(em, c, now);
      await this.audit.record(em, {
        tenantId: c.tenantId,
        action: 'case.slaBreached',
        objectType: 'Case',
        objectId: c.id,
        changes: fromPriority === c.priority ? null : { priority: { before: fromPriority, after: c.priority } },
        details: { kind: job.kind },
      });
      return 'fired';
    });
    await this.escalation.schedule({ tenantId: job.tenantId, id: job.caseId }, next);
    return result;
  }

  /**
   * The case's assignee and its queue's manager (each if there is one, once
   * if they are the same person) learn that a clock is about to run out, or
   * ran out: the assignee acts, the manager can step in before a breach.
   */
  private async notifyAssigneeAndManager(
    em: EntityManager,
    c: CaseEntity,
    kind: 'SLA_WARNING' | 'SLA_BREACHED',
    dueAt: string,
    now: Date,
  ): Promise<void> {
    const [queue] = c.queueId
      ? returnedRows<{ managerId: string | null }>(
          await em.query(`SELECT manager_id AS "managerId" FROM support_queues WHERE id = $1`, [c.queueId]),
        )
      : [];
    const recipients = new Set([c.ownerId, queue?.managerId].filter((id): id is string => !!id));
    for (const recipientId of recipients)
      await recordNotification(this.db, em, c.tenantId, { recipientId, kind, caseId: c.id, dueAt: new Date(dueAt), createdAt: now });
  }
}
