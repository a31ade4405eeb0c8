import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DELETION_EVENTS, SYSTEM_ACTOR } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { returnedRows } from '@rapport/persistence';
import { AuditRecorder, JobQueues, LOGGER, purgeEach, schedulePurgeSweep, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import type { SalesConfig } from '../sales.env';
import { DELETABLE, recordsOfDeletion, type DeletedRecordRow } from './deletion-store';
import { purgeAccounts, purgeActivities, purgeContacts, purgeLeads, purgeOpportunities, purgeProducts } from './purge-sql';

export const DELETION_PURGE_QUEUE = 'sales-deletion-purge';
/** Deletions purged per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 200;

/**
 * Deletes for good what waited out its restore window. The work is read
 * from `deleted_records` at every sweep (schedulePurgeSweep, every
 * DELETION_PURGE_INTERVAL_SECONDS), never kept in Redis: a restart, a lost
 * Redis or a sweep that failed half-way only delays it to the next sweep.
 * Each deletion goes in one transaction with its `.purged` events and one
 * audit entry (the system as actor).
 */
@Injectable()
export class DeletionPurge implements OnModuleInit {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: SalesConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
    private readonly audit: AuditRecorder,
    private readonly jobs: JobQueues,
  ) {}

  onModuleInit(): void {
    schedulePurgeSweep(this.jobs, DELETION_PURGE_QUEUE, this.config.DELETION_PURGE_INTERVAL_SECONDS, () => this.sweep());
  }

  /** Purges every deletion whose window ended by `now`; returns how many deletions went. */
  async sweep(now = new Date()): Promise<number> {
    const due: { tenantId: string; deletionId: string }[] = await this.db.tenantDb.system((em) =>
      em.query(
        `SELECT tenant_id AS "tenantId", deletion_id AS "deletionId" FROM deleted_records
          WHERE restorable_until <= $1 AND cascade_of IS NULL ORDER BY restorable_until LIMIT $2`,
        [now, SWEEP_BATCH],
      ),
    );
    return purgeEach(this.db, this.logger, due, (em, d) => this.purgeDeletion(em, d.tenantId, d.deletionId, now));
  }

  private async purgeDeletion(em: EntityManager, tenantId: string, deletionId: string, now: Date): Promise<boolean> {
    const records = await recordsOfDeletion(em, deletionId);
    // Restored (or purged) meanwhile, or its window moved: nothing to do.
    if (records.length === 0 || records.some((r) => new Date(r.restorableUntil).getTime() > now.getTime())) return false;
    const ids = (type: DeletedRecordRow['recordType']) => records.filter((r) => r.recordType === type).map((r) => r.id);
    await purgeActivities(em, ids('ACTIVITY'));
    await purgeOpportunities(em, ids('OPPORTUNITY'));
    await purgeLeads(em, ids('LEAD'));
    await purgeProducts(em, ids('PRODUCT'));
    await purgeContacts(em, ids('CONTACT'));
    const orphans = await purgeAccounts(em, ids('ACCOUNT'));
    const orphanEntries: DeletedRecordRow[] = orphans.length
      ? returnedRows<DeletedRecordRow>(
          await em.query(
            `DELETE FROM deleted_records WHERE record_type = 'OPPORTUNITY' AND record_id = ANY($1::uuid[])
             RETURNING record_type AS "recordType", record_id AS id, deletion_id AS "deletionId"`,
            [orphans],
          ),
        )
      : [];
    await em.query(`DELETE FROM deleted_records WHERE deletion_id = $1`, [deletionId]);
    const purgedAt = now.toISOString();
    for (const r of [...records, ...orphanEntries]) {
      await this.db.publish(
        em,
        newEvent({
          type: DELETION_EVENTS[r.recordType].purged,
          tenantId,
          actor: SYSTEM_ACTOR,
          subjectId: r.id,
          data: { recordType: r.recordType, id: r.id, deletionId: r.deletionId, purgedAt },
        }),
      );
    }
    const head = records.find((r) => r.cascadeOf === null) ?? records[0];
    await this.audit.record(em, {
      tenantId,
      action: 'deletion.purged',
      actor: SYSTEM_ACTOR,
      objectType: DELETABLE[head.recordType].typename,
      objectId: head.id,
      details: {
        deletionId,
        purged: [...records, ...orphanEntries].map((r) => ({ type: r.recordType, id: r.id })),
      },
    });
    return true;
  }
}
