import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CASE_PURGED, SYSTEM_ACTOR } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { returnedRows } from '@rapport/persistence';
import { AuditRecorder, JobQueues, LOGGER, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import type { ServiceConfig } from '../service.env';

export const CASE_PURGE_QUEUE = 'service-case-purge';
/** Job scheduler id of the periodic sweep. */
export const CASE_PURGE_SCHEDULER = 'service-case-purge-sweep';
/** Cases purged per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

/**
 * Deletes for good the cases whose restore window ended, with their
 * comments, history, assignments, escalations, notifications and
 * satisfaction requests (foreign keys cascade). The work is read from
 * `deleted_cases` at every sweep (a BullMQ job scheduler), never kept in
 * Redis, so restarts only delay it. One transaction per case with its
 * `service.case.purged` event and audit entry (the system as actor).
 */
@Injectable()
export class CasePurge implements OnModuleInit {
  private queue!: Queue<object>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
    private readonly audit: AuditRecorder,
    private readonly jobs: JobQueues,
  ) {}

  onModuleInit(): void {
    this.queue = this.jobs.queue<object>(CASE_PURGE_QUEUE, { removeOnComplete: true, removeOnFail: 100 });
    this.jobs.worker<object>(CASE_PURGE_QUEUE, () => this.sweep(), { concurrency: 1 });
    this.jobs.inBackground('scheduling the case purge', () =>
      this.queue.upsertJobScheduler(CASE_PURGE_SCHEDULER, { every: this.config.DELETION_PURGE_INTERVAL_SECONDS * 1000 }, { name: 'sweep' }),
    );
  }

  /** Purges every deleted case whose window ended by `now`; returns how many went. */
  async sweep(now = new Date()): Promise<number> {
    const due: { tenant_id: string; case_id: string }[] = await this.db.tenantDb.system((em) =>
      em.query(`SELECT tenant_id, case_id FROM deleted_cases WHERE restorable_until <= $1 ORDER BY restorable_until LIMIT $2`, [
        now,
        SWEEP_BATCH,
      ]),
    );
    let purged = 0;
    for (const d of due) {
      try {
        if (await this.db.withTenant(d.tenant_id, (em) => this.purgeCase(em, d.tenant_id, d.case_id, now))) purged++;
      } catch (err) {
        // One case that cannot go must not hold up the others; it is retried at the next sweep.
        this.logger.error({ err, tenantId: d.tenant_id, caseId: d.case_id }, 'could not purge a deleted case; retrying at the next sweep');
      }
    }
    if (purged > 0) this.logger.info({ purged }, 'purged deleted cases whose restore window ended');
    return purged;
  }

  private async purgeCase(em: EntityManager, tenantId: string, caseId: string, now: Date): Promise<boolean> {
    const [entry] = returnedRows<{ deletion_id: string }>(
      await em.query(`DELETE FROM deleted_cases WHERE case_id = $1 AND restorable_until <= $2 RETURNING deletion_id`, [caseId, now]),
    );
    // Restored (or purged) meanwhile: nothing to do.
    if (!entry) return false;
    await em.query(`DELETE FROM cases_all WHERE id = $1`, [caseId]);
    await this.db.publish(
      em,
      newEvent({
        type: CASE_PURGED,
        tenantId,
        actor: SYSTEM_ACTOR,
        subjectId: caseId,
        data: { recordType: 'CASE', id: caseId, deletionId: entry.deletion_id, purgedAt: now.toISOString() },
      }),
    );
    await this.audit.record(em, {
      tenantId,
      action: 'deletion.purged',
      actor: SYSTEM_ACTOR,
      objectType: 'Case',
      objectId: caseId,
      details: { deletionId: entry.deletion_id },
    });
    return true;
  }
}
