import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@rapport/observability';
import { LOGGER, ServiceDatabase } from '@rapport/service-kit';

/** Tables analytics may ask to have analyzed (the list analyze_stale_tables accepts). */
export type AnalyzableTable = 'orders' | 'contacts' | 'contact_cases' | 'customer_values' | 'rfm_scores';

/**
 * Planner statistics after bulk writes (ADR 055). This machine's Postgres
 * runs with autovacuum off, and any database lags after a bulk load; without
 * statistics a plan can go from seconds to minutes (cohortRetention: 324 s
 * before ANALYZE, 0.5 s after). After an ingest or a large recompute has
 * committed, the tables it wrote are analyzed when they are stale
 * (analyze_stale_tables, migration 1766964000000: never analyzed, or 50 +
 * 10 % of their rows changed since — autovacuum's own rule), as the table
 * owner lends the runtime role that one right.
 */
@Injectable()
export class TableStatistics {
  constructor(
    private readonly db: ServiceDatabase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Analyzes those of `tables` that are stale, counting `rowsWritten` just
   * committed (the statistics collector reports changes with a delay).
   * Returns the tables analyzed.
   */
  async refresh(tables: readonly AnalyzableTable[], rowsWritten: number): Promise<string[]> {
    if (rowsWritten <= 0) return [];
    const [{ analyzed }]: { analyzed: string[] }[] = await this.db.tenantDb.system((em) =>
      em.query(`SELECT analyze_stale_tables($1::text[], $2::bigint) AS analyzed`, [tables, rowsWritten]),
    );
    if (analyzed.length > 0) this.logger.info({ tables: analyzed, rowsWritten }, 'planner statistics refreshed after a bulk write');
    return analyzed;
  }

  /**
   * refresh in the background, for callers that must not wait for it (an
   * ingest's reply): a failure is logged, never thrown — the write itself
   * has committed, and the next bulk write tries again.
   */
  refreshLater(tables: readonly AnalyzableTable[], rowsWritten: number): void {
    this.refresh(tables, rowsWritten).catch((err: unknown) =>
      this.logger.error({ err, tables, rowsWritten }, 'could not refresh planner statistics after a bulk write'),
    );
  }
}
