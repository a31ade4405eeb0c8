import { v7 as uuidv7 } from 'uuid';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

export type RfmRunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** What a background recompute was asked for (its settings change is applied when it runs). */
export interface RfmRunRequest {
  windowDays?: number | null;
  currency?: string | null;
  /** ISO instant, or absent: the tenant's scoring as-of when it runs. */
  asOf?: string | null;
}

/** `RfmRecomputeRun` as the schema shows it. */
export interface RfmRunView {
  id: string;
  status: RfmRunStatus;
  /** What the run is doing now: QUEUED → SCORING → ANNOUNCING → DONE. */
  step: string | null;
  asOf: Date | null;
  windowDays: number | null;
  customersScored: number | null;
  customersRemoved: number | null;
  customersChanged: number | null;
  emptyWindowReason: string | null;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
}

const COLUMNS = `id, status, step, as_of AS "asOf", window_days AS "windowDays", customers_scored AS "customersScored",
  customers_removed AS "customersRemoved", customers_changed AS "customersChanged", empty_window_reason AS "emptyWindowReason",
  requested_at AS "requestedAt", started_at AS "startedAt", finished_at AS "finishedAt", error`;

// Each of these runs in a short transaction of its own, so the row moves while the recompute's transaction is open.

export async function queueRfmRun(em: EntityManager, tenantId: string, request: RfmRunRequest): Promise<RfmRunView> {
  const id = uuidv7();
  await em.query(
    `INSERT INTO rfm_recompute_runs (tenant_id, id, status, step, request, requested_at) VALUES ($1, $2, 'QUEUED', 'QUEUED', $3::jsonb, now())`,
    [tenantId, id, JSON.stringify(request)],
  );
  return (await findRfmRun(em, tenantId, id)) as RfmRunView;
}

/** Marks a queued (or retried) run RUNNING; returns its request, or null when it is gone or already finished. */
export async function startRfmRun(em: EntityManager, tenantId: string, id: string): Promise<RfmRunRequest | null> {
  // An UPDATE answers [rows, count] through TypeORM: returnedRows takes the rows.
  const [row] = returnedRows<{ request: RfmRunRequest | null }>(
    await em.query(
      `UPDATE rfm_recompute_runs SET status = 'RUNNING', step = 'SCORING', started_at = coalesce(started_at, now()), error = NULL
        WHERE tenant_id = $1 AND id = $2 AND status IN ('QUEUED', 'RUNNING') RETURNING request`,
      [tenantId, id],
    ),
  );
  return row ? (row.request ?? {}) : null;
}

export async function rfmRunStep(em: EntityManager, tenantId: string, id: string, step: string): Promise<void> {
  await em.query(`UPDATE rfm_recompute_runs SET step = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, id, step]);
}

export interface RfmRunCounts {
  asOf: Date;
  windowDays: number;
  customersScored: number;
  customersRemoved: number;
  customersChanged: number;
  emptyWindowReason: string | null;
}

export async function succeedRfmRun(em: EntityManager, tenantId: string, id: string, c: RfmRunCounts): Promise<void> {
  await em.query(
    `UPDATE rfm_recompute_runs SET status = 'SUCCEEDED', step = 'DONE', as_of = $3, window_days = $4, customers_scored = $5,
            customers_removed = $6, customers_changed = $7, empty_window_reason = $8, finished_at = now(), error = NULL
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, c.asOf.toISOString(), c.windowDays, c.customersScored, c.customersRemoved, c.customersChanged, c.emptyWindowReason],
  );
}

export async function failRfmRun(em: EntityManager, tenantId: string, id: string, error: string): Promise<void> {
  await em.query(
    `UPDATE rfm_recompute_runs SET status = 'FAILED', error = $3, finished_at = now() WHERE tenant_id = $1 AND id = $2 AND status <> 'SUCCEEDED'`,
    [tenantId, id, error],
  );
}

export async function findRfmRun(em: EntityManager, tenantId: string, id: string): Promise<RfmRunView | null> {
  const [row]: RfmRunView[] = await em.query(`SELECT ${COLUMNS} FROM rfm_recompute_runs WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return row ?? null;
}

/** The tenant's latest run, or null when there was none. */
export async function latestRfmRun(em: EntityManager, tenantId: string): Promise<RfmRunView | null> {
  const [row]: RfmRunView[] = await em.query(
    `SELECT ${COLUMNS} FROM rfm_recompute_runs WHERE tenant_id = $1 ORDER BY requested_at DESC, id DESC LIMIT 1`,
    [tenantId],
  );
  return row ?? null;
}

/** The tenant's latest run that succeeded: when it started and finished (for pacing, see pacedRecomputeStart). */
export async function lastFinishedRfmRun(em: EntityManager, tenantId: string): Promise<{ startedAt: Date; finishedAt: Date } | null> {
  const [row]: { startedAt: Date; finishedAt: Date }[] = await em.query(
    `SELECT started_at AS "startedAt", finished_at AS "finishedAt" FROM rfm_recompute_runs
      WHERE tenant_id = $1 AND status = 'SUCCEEDED' ORDER BY requested_at DESC, id DESC LIMIT 1`,
    [tenantId],
  );
  return row ?? null;
}
