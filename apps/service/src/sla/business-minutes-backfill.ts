import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { BusinessCalendar } from '@rapport/business-time';
import type { CaseStatusV1 } from '@rapport/contracts';
import type { Logger } from '@rapport/observability';
import { groupBy, JobQueues, LOGGER, ServiceDatabase } from '@rapport/service-kit';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { fillBusinessMinutes } from '../cases/case-rows';
import { elapsedFromHistory, type StatusChange } from './elapsed-history';

export const MAINTENANCE_QUEUE = 'service-maintenance';
const JOB_ID = 'backfill-business-minutes';
const BATCH = 200;

/** A case whose clock stopped but whose business minutes were never kept (it predates the columns). */
const NEEDS_BACKFILL = `((first_responded_at IS NOT NULL AND first_response_business_minutes IS NULL)
  OR (resolved_at IS NOT NULL AND resolution_business_minutes IS NULL))`;

interface LegacyCase {
  id: string;
  slaPolicyId: string | null;
  slaCalendar: BusinessCalendar | null;
  createdAt: Date;
  firstRespondedAt: Date | null;
  resolvedAt: Date | null;
  frMinutes: number | null;
  resMinutes: number | null;
}

/**
 * Fills first_response_business_minutes / resolution_business_minutes of
 * cases written before those columns existed (they are null there, and
 * metrics skip them), recomputed from each case's status history exactly
 * as the live code would have kept them (elapsedFromHistory).
 *
 * A BullMQ job rather than a migration: batches of 200 in their own
 * transactions, so a big table is never locked at once and start-up does
 * not wait. Queued at start only while such rows exist, under one job id,
 * so replicas starting together run it once; rows are taken FOR UPDATE SKIP
 * LOCKED and only null columns are written, so a re-run or a concurrent run
 * changes nothing twice. Runs as the owner across tenants (it is
 * maintenance, not a tenant's request).
 */
@Injectable()
export class BusinessMinutesBackfill implements OnModuleInit, OnApplicationBootstrap {
  private queue!: Queue;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
    private readonly jobs: JobQueues,
  ) {}

  onModuleInit(): void {
    this.queue = this.jobs.queue(MAINTENANCE_QUEUE, {
      attempts: 5,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: true,
      removeOnFail: 100,
    });
  }

  onApplicationBootstrap(): void {
    this.jobs.worker(MAINTENANCE_QUEUE, async () => this.run(), { concurrency: 1 });
    this.jobs.inBackground('queueing the business-minutes backfill', async () => {
      if (await this.pending()) await this.queue.add(JOB_ID, {}, { jobId: JOB_ID });
    });
  }

  async pending(): Promise<boolean> {
    const [row]: { pending: boolean }[] = await this.db.tenantDb.system((em) =>
      em.query(`SELECT EXISTS (SELECT 1 FROM cases WHERE ${NEEDS_BACKFILL}) AS pending`),
    );
    return row.pending;
  }

  /** Backfills every such case; returns how many it filled. */
  async run(): Promise<number> {
    let filled = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await this.db.tenantDb.system((em) => this.batch(em, after));
      filled += batch.filled;
      if (!batch.last) break;
      after = batch.last;
    }
    if (filled > 0) this.logger.info({ filled }, 'business minutes backfilled');
    return filled;
  }

  private async batch(em: EntityManager, after: string): Promise<{ filled: number; last: string | null }> {
    const cases: LegacyCase[] = await em.query(
      `SELECT id, sla_policy_id AS "slaPolicyId", sla_calendar AS "slaCalendar", created_at AS "createdAt",
              first_responded_at AS "firstRespondedAt", resolved_at AS "resolvedAt",
              first_response_business_minutes AS "frMinutes", resolution_business_minutes AS "resMinutes"
         FROM cases WHERE id > $1 AND ${NEEDS_BACKFILL} ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [after, BATCH],
    );
    if (cases.length === 0) return { filled: 0, last: null };
    const rows: (StatusChange & { caseId: string; to: CaseStatusV1 })[] = await em.query(
      `SELECT case_id AS "caseId", to_status AS "to", changed_at AS "at" FROM case_status_history
        WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, changed_at, id`,
      [cases.map((c) => c.id)],
    );
    const historyOf = groupBy(
      cases.map((c) => c.id),
      rows,
      (r) => r.caseId,
    );
    let filled = 0;
    for (const c of cases) {
      const history = historyOf.get(c.id) ?? [];
      let minutes: { fr: number | null; res: number | null };
      try {
        minutes = {
          fr: c.frMinutes == null && c.firstRespondedAt ? elapsedFromHistory(c, history, c.firstRespondedAt) : null,
          res: c.resMinutes == null && c.resolvedAt ? elapsedFromHistory(c, history, c.resolvedAt) : null,
        };
      } catch (err) {
        // E.g. a calendar the business-time library refuses: left null (metrics skip it) rather than stop the rest.
        this.logger.error({ err, caseId: c.id }, 'could not backfill the business minutes of a case');
        continue;
      }
      await fillBusinessMinutes(em, c.id, { firstResponse: minutes.fr, resolution: minutes.res });
      filled += 1;
    }
    return { filled, last: cases[cases.length - 1].id };
  }
}
