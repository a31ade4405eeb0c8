import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CASE_PURGED, SYSTEM_ACTOR } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { returnedRows } from '@rapport/persistence';
import { AuditRecorder, JobQueues, LOGGER, purgeEach, schedulePurgeSweep, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import type { ServiceConfig } from '../service.env';

export const CASE_PURGE_QUEUE = 'service-case-purge';
/** Cases purged per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

/**
 * Deletes for good the cases whose restore window ended, with their
 * comments, history, assignments, escalations, notifications and
 * satisfaction requests (foreign keys cascade). The work is read from
 * `deleted_cases` at every sweep (schedulePurgeSweep), never kept in
 * Redis, so restarts only delay it. One transaction per case with its
 * `service.case.purged` event and audit entry (the system as actor).
 */
@Injectable()
export class CasePurge implements OnModuleInit {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
    private readonly audit: AuditRecorder,
    private readonly jobs: JobQueues,
  ) {}

  onModuleInit(): void {
    schedulePurgeSweep(this.jobs, CASE_PURGE_QUEUE, this.config.DELETION_PURGE_INTERVAL_SECONDS, () => this.sweep());
  }

  /** Purges every deleted case whose window ended by `now`; returns how many went. */
  async sweep(now = new Date()): Promise<number> {
    const due: { tenantId: string; caseId: string }[] = await this.db.tenantDb.system((em) =>
      em.query(
        `SELECT tenant_id AS "tenantId", case_id AS "caseId" FROM deleted_cases WHERE restorable_until <= $1 ORDER BY restorable_until LIMIT $2`,
        [now, SWEEP_BATCH],
      ),
    );
    return purgeEach(this.db, this.logger, due, (em, d) => this.purgeCase(em, d.tenantId, d.caseId, now));
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
