import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ADR 055.
 *
 * `analyze_stale_tables(tables, rows_written)`: ANALYZE after bulk writes.
 * This machine's Postgres runs with autovacuum off, and any database lags
 * after a bulk load: cohortRetention took 324 s on a freshly loaded tenant
 * without planner statistics, 0.5 s with. Only a table's owner may ANALYZE
 * it (Postgres 15 has no MAINTAIN privilege) and the service runs as a role
 * that owns nothing (ADR 026), so the owner lends it exactly this: a
 * SECURITY DEFINER function that analyzes the listed tables of this schema —
 * only those named below — when they are stale by autovacuum's own rule
 * (never analyzed, or rows changed since the last ANALYZE, counting the
 * caller's own `rows_written` that the statistics collector may not have seen
 * yet, at least 50 + 10 % of the rows). Two callers never analyze one table
 * at once (the second skips it). Returns the tables it analyzed.
 *
 * `rfm_recompute_runs`: a recompute started in the background
 * (`startRfmRecompute`, ADR 055) or run by `recomputeRfm`, observable through
 * `rfmRecomputeRun` like `clvScoringRun`.
 */
export class AnalyticsStatisticsAndRfmRuns1766964000000 implements MigrationInterface {
  name = 'AnalyticsStatisticsAndRfmRuns1766964000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION analyze_stale_tables(p_tables text[], p_rows_written bigint) RETURNS text[]
      LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
      DECLARE
        t text;
        analyzed text[] := '{}';
        rel regclass;
        live float8;
        changed bigint;
        analyzed_at timestamptz;
      BEGIN
        FOREACH t IN ARRAY p_tables LOOP
          IF t NOT IN ('orders', 'contacts', 'contact_cases', 'customer_values', 'rfm_scores') THEN
            RAISE EXCEPTION 'analyze_stale_tables: % is not a table it may analyze', t;
          END IF;
          rel := to_regclass(quote_ident(current_schema()) || '.' || quote_ident(t));
          SELECT c.reltuples, coalesce(s.n_mod_since_analyze, 0), greatest(s.last_analyze, s.last_autoanalyze)
            INTO live, changed, analyzed_at
            FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
           WHERE c.oid = rel;
          IF (analyzed_at IS NULL OR live < 0 OR changed + p_rows_written >= 50 + 0.1 * live)
             AND pg_try_advisory_xact_lock(7304, rel::oid::int) THEN
            EXECUTE format('ANALYZE %s', rel);
            analyzed := analyzed || t;
          END IF;
        END LOOP;
        RETURN analyzed;
      END $$`);
    await q.query(`CREATE TABLE rfm_recompute_runs (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL,
      status text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
      step text,
      request jsonb NOT NULL,
      as_of timestamptz(3),
      window_days int,
      customers_scored int,
      customers_removed int,
      customers_changed int,
      empty_window_reason text,
      requested_at timestamptz(3) NOT NULL,
      started_at timestamptz(3),
      finished_at timestamptz(3),
      error text,
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX rfm_recompute_runs_latest ON rfm_recompute_runs (tenant_id, requested_at DESC, id DESC)`);
    await enableTenantRls(q, 'rfm_recompute_runs');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS rfm_recompute_runs`);
    await q.query(`DROP FUNCTION IF EXISTS analyze_stale_tables(text[], bigint)`);
  }
}
