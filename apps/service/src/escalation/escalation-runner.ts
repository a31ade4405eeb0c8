import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@rapport/observability';
import { JobQueues, LOGGER, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { CaseEntity } from '../cases/case.entity';
import { clocksRun } from '../cases/case-rules';
import type { ServiceConfig } from '../service.env';
import { timerDelay } from '../sla/sla-plan';
import { EscalationActions } from './escalation-actions';
import { escalationFacts, levelsDue, waitsForSlaEvent } from './escalation-matching';
import { firedLevels, loadRuleSet } from './escalation-store';

export const ESCALATION_QUEUE = 'service-escalation';

export interface EscalationCheckData {
  tenantId: string;
  caseId: string;
  /** The instant the check is for (ISO); a check that runs early (scaled delays in development) evaluates as of then. */
  at: string;
}

/**
 * Evaluates a tenant's escalation rules on a case (ADR 051). It runs inside
 * the SLA timer's transaction when a clock warns or breaches, and as a BullMQ
 * check job when a case is planned (opened, changed, resumed, swept at start)
 * or when a rule's next level comes due. Each evaluation fires every level
 * due, in rule order, and schedules one check for the earliest level still
 * ahead. Job ids derive from the case and the instant, so re-adding after a
 * restart is a no-op; firing itself is guarded by `case_escalations`'
 * uniqueness (case, rule, level), so a redelivered check fires nothing twice.
 */
@Injectable()
export class EscalationRunner implements OnModuleInit, OnApplicationBootstrap {
  private queue!: Queue<EscalationCheckData>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
    private readonly jobs: JobQueues,
    private readonly actions: EscalationActions,
  ) {}

  onModuleInit(): void {
    this.queue = this.jobs.queue<EscalationCheckData>(ESCALATION_QUEUE, {
      attempts: 10,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  onApplicationBootstrap(): void {
    this.jobs.worker<EscalationCheckData>(ESCALATION_QUEUE, (job) => this.check(job.data), {
      concurrency: 4,
      describe: (job) => ({ caseId: job.data.caseId, at: job.data.at }),
    });
  }

  /**
   * Fires the levels due on the (locked) case as of `at`, mutating it; returns
   * when the next level comes due if nothing changes, for the caller to
   * schedule once its transaction has committed. `stampAt` (the real time)
   * is what the escalations record when a scaled check runs ahead of `at`.
   */
  async evaluate(em: EntityManager, c: CaseEntity, at: Date, stampAt: Date = at): Promise<Date | null> {
    if (!clocksRun(c.status)) return null;
    const { rules } = await loadRuleSet(em);
    const fired = await firedLevels(em, c.id);
    let next: number | null = null;
    for (const rule of rules) {
      const already = fired.get(rule.key) ?? new Set<number>();
      for (const level of levelsDue(rule, escalationFacts(c), already, at).due) {
        // Conditions are checked again before each level: an earlier level (of this or another rule) may have changed the case.
        if (!levelsDue(rule, escalationFacts(c), already, at).due.includes(level)) break;
        // False when a concurrent run fired it first: either way it is done.
        await this.actions.fireLevel(em, c, rule, level, stampAt);
        already.add(level);
      }
      const { nextAt } = levelsDue(rule, escalationFacts(c), already, at);
      if (nextAt && (next === null || nextAt.getTime() < next)) next = nextAt.getTime();
    }
    return next === null ? null : new Date(next);
  }

  /** Schedules a check of the case at `at` (after the caller's commit). Never throws: the next plan or sweep repairs a check Redis could not take. */
  async schedule(c: { tenantId: string; id: string }, at: Date | null): Promise<void> {
    if (!at) return;
    const scale = this.config.SERVICE_SLA_DELAY_PERCENT / 100;
    try {
      await this.queue.add(
        'check',
        { tenantId: c.tenantId, caseId: c.id, at: at.toISOString() },
        { jobId: `${c.id}.${at.getTime()}`, delay: timerDelay(at, new Date(), scale) },
      );
    } catch (err) {
      this.logger.error({ err, caseId: c.id }, 'could not schedule an escalation check');
    }
  }

  /**
   * After a case changed (committed): a check now, when one of the tenant's
   * rules could match without an SLA timer's event. A tenant whose rules all
   * wait for a warning or breach (the default set) adds no job at all.
   * Rules waiting for one are evaluated by the SLA timer that records it.
   */
  async afterChange(c: CaseEntity, sweeping = false): Promise<void> {
    if (!clocksRun(c.status)) return;
    try {
      const { rules } = await this.db.withTenant(c.tenantId, (em) => loadRuleSet(em));
      // The start-up sweep also re-plans later levels, in case a process died before scheduling one.
      if (rules.some((rule) => !waitsForSlaEvent(rule) || (sweeping && rule.levels.length > 1))) await this.schedule(c, new Date());
    } catch (err) {
      this.logger.error({ err, caseId: c.id }, 'could not check escalation rules after a change');
    }
  }

  /** A check job: evaluates the case under its row lock, then schedules the next check. */
  async check(job: EscalationCheckData): Promise<Date | null> {
    const now = new Date();
    const planned = new Date(job.at);
    const at = planned.getTime() > now.getTime() ? planned : now;
    const next = await this.db.withTenant(job.tenantId, async (em) => {
      const c = await em.getRepository(CaseEntity).findOne({ where: { id: job.caseId }, lock: { mode: 'pessimistic_write' } });
      return c ? this.evaluate(em, c, at, now) : null;
    });
    await this.schedule({ tenantId: job.tenantId, id: job.caseId }, next);
    return next;
  }
}
