import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16 item 4: a full CLV scoring is observable (`clvScoringRun`). One
 * row per full scoring: RUNNING with `done` of `total` customers written
 * (total null until the summary has counted them), then SUCCEEDED or FAILED
 * with the error. Progress is written in its own short transactions while
 * the scoring's transaction is still open, so readers see it as it moves.
 */
export class AnalyticsClvScoringRuns1766320000000 implements MigrationInterface {
  name = 'AnalyticsClvScoringRuns1766320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE clv_scoring_runs (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL,
      model_id uuid NOT NULL,
      as_of date NOT NULL,
      status text NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
      done int NOT NULL DEFAULT 0,
      total int,
      started_at timestamptz(3) NOT NULL,
      finished_at timestamptz(3),
      error text,
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX clv_scoring_runs_latest ON clv_scoring_runs (tenant_id, started_at DESC, id DESC)`);
    await enableTenantRls(q, 'clv_scoring_runs');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS clv_scoring_runs`);
  }
}
