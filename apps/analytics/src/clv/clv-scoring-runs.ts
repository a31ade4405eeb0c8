import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { utcDay } from './clv-summary-sql';

export type ClvScoringRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** `ClvScoringRun` as the schema shows it. */
export interface ClvScoringRunView {
  id: string;
  modelId: string;
  asOf: string;
  status: ClvScoringRunStatus;
  done: number;
  total: number | null;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

const RUN_COLUMNS = `id, model_id AS "modelId", to_char(as_of, 'YYYY-MM-DD') AS "asOf", status, done, total,
  started_at AS "startedAt", finished_at AS "finishedAt", error`;

// Each of these runs in a transaction of its own (not the scoring's), so the
// row is visible, and moves, while the scoring's transaction is still open.

/**
 * Records a full scoring as RUNNING. Scorings of a tenant are serialised
 * (lockClvScoring, held by the caller), so a run still RUNNING now belongs
 * to a process that stopped mid-way: it is marked FAILED, not left moving.
 */
export async function startScoringRun(em: EntityManager, tenantId: string, modelId: string, asOf: Date): Promise<string> {
  await em.query(
    `UPDATE clv_scoring_runs SET status = 'FAILED', error = 'interrupted: the scoring stopped before it finished', finished_at = now()
      WHERE tenant_id = $1 AND status = 'RUNNING'`,
    [tenantId],
  );
  const id = uuidv7();
  await em.query(
    `INSERT INTO clv_scoring_runs (tenant_id, id, model_id, as_of, status, started_at) VALUES ($1, $2, $3, $4::date, 'RUNNING', now())`,
    [tenantId, id, modelId, utcDay(asOf)],
  );
  return id;
}

export async function scoringRunProgress(em: EntityManager, tenantId: string, id: string, done: number, total: number): Promise<void> {
  await em.query(`UPDATE clv_scoring_runs SET done = $3, total = $4 WHERE tenant_id = $1 AND id = $2`, [tenantId, id, done, total]);
}

/** SUCCEEDED once the scoring has committed; FAILED (with the error) when it rolled back. */
export async function finishScoringRun(em: EntityManager, tenantId: string, id: string, error: string | null): Promise<void> {
  await em.query(
    `UPDATE clv_scoring_runs SET status = $3, error = $4, finished_at = now() WHERE tenant_id = $1 AND id = $2 AND status = 'RUNNING'`,
    [tenantId, id, error === null ? 'SUCCEEDED' : 'FAILED', error],
  );
}

/** The tenant's latest full scoring, or null when there was none. */
export async function latestScoringRun(em: EntityManager, tenantId: string): Promise<ClvScoringRunView | null> {
  const [row]: ClvScoringRunView[] = await em.query(
    `SELECT ${RUN_COLUMNS} FROM clv_scoring_runs WHERE tenant_id = $1 ORDER BY started_at DESC, id DESC LIMIT 1`,
    [tenantId],
  );
  return row ?? null;
}
