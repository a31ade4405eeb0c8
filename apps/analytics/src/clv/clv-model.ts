import type { GammaGammaParams, PurchaseModelKind } from '@rapport/clv';
import type { EntityManager } from 'typeorm';
import type { HoldoutCheck, StoredFit } from './clv-fit';
import type { ClvTimeUnit } from './clv-summary-sql';

export type ClvModelStatus = 'QUEUED' | 'RUNNING' | 'FITTED' | 'REJECTED' | 'FAILED';

/** Parameters of a purchase model as stored: named by its kind (r, alpha, a, b for BG/NBD; r, alpha, s, beta for Pareto/NBD). */
export type StoredParams = Record<string, number>;

/** A `clv_models` row as the code uses it. */
export interface ClvModelRecord {
  id: string;
  tenantId: string;
  requestKey: string;
  status: ClvModelStatus;
  kind: PurchaseModelKind;
  timeUnit: ClvTimeUnit;
  calibrationEnd: Date;
  holdoutEnd: Date | null;
  /** The day its scores are as of; null = the tenant's scoring setting. */
  asOf: Date | null;
  currency: string | null;
  purchaseModel: StoredFit<StoredParams> | null;
  gammaGamma: StoredFit<GammaGammaParams> | null;
  /** Why a fitted model has no spend model (then CLV is absent, P(alive) is not). */
  spendModelReason: string | null;
  holdout: HoldoutCheck | null;
  rejectionReasons: string[] | null;
  customersUsed: number | null;
  repeatBuyers: number | null;
  fitTimeMs: number | null;
  failureReason: string | null;
  requestedAt: Date;
  finishedAt: Date | null;
  activatedAt: Date | null;
  /** Whether it is the tenant's active model (the one that scores). */
  active: boolean;
}

export const MODEL_COLUMNS = `m.id, m.tenant_id AS "tenantId", m.request_key AS "requestKey", m.status, m.kind, m.time_unit AS "timeUnit",
  m.calibration_end AS "calibrationEnd", m.holdout_end AS "holdoutEnd", m.as_of AS "asOf", m.currency,
  m.purchase_model AS "purchaseModel", m.gamma_gamma AS "gammaGamma", m.spend_model_reason AS "spendModelReason",
  m.holdout, m.rejection_reasons AS "rejectionReasons", m.customers_used AS "customersUsed", m.repeat_buyers AS "repeatBuyers",
  m.fit_time_ms AS "fitTimeMs", m.failure_reason AS "failureReason", m.requested_at AS "requestedAt", m.finished_at AS "finishedAt",
  m.activated_at AS "activatedAt",
  coalesce(m.id = (SELECT s.active_model_id FROM clv_settings s WHERE s.tenant_id = m.tenant_id), false) AS active`;

export async function findModel(em: EntityManager, tenantId: string, id: string): Promise<ClvModelRecord | null> {
  const [row]: ClvModelRecord[] = await em.query(`SELECT ${MODEL_COLUMNS} FROM clv_models m WHERE m.tenant_id = $1 AND m.id = $2`, [
    tenantId,
    id,
  ]);
  return row ?? null;
}

/** The model scores come from: the tenant's active one (explicitly or automatically activated), if it is still FITTED. */
export async function activeModel(em: EntityManager, tenantId: string): Promise<ClvModelRecord | null> {
  const [row]: ClvModelRecord[] = await em.query(
    `SELECT ${MODEL_COLUMNS} FROM clv_models m JOIN clv_settings s ON s.tenant_id = m.tenant_id AND s.active_model_id = m.id
      WHERE m.tenant_id = $1 AND m.status = 'FITTED'`,
    [tenantId],
  );
  return row ?? null;
}

/** Makes a FITTED model the tenant's active one. */
export async function activate(em: EntityManager, tenantId: string, modelId: string): Promise<void> {
  await em.query(
    `INSERT INTO clv_settings (tenant_id, active_model_id) VALUES ($1, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET active_model_id = EXCLUDED.active_model_id, updated_at = now()`,
    [tenantId, modelId],
  );
  await em.query(`UPDATE clv_models SET activated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, modelId]);
}

/**
 * A model that failed while scoring stops being active; the model active
 * before it (the most recently activated one still FITTED) takes over, so
 * the tenant keeps scores from a model that works. Returns that model's id.
 */
export async function failScoringModel(em: EntityManager, tenantId: string, modelId: string, reason: string): Promise<string | null> {
  await em.query(
    `UPDATE clv_models SET status = 'FAILED', failure_reason = $3, finished_at = coalesce(finished_at, now())
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, modelId, reason],
  );
  const [fallback]: { id: string }[] = await em.query(
    `SELECT id FROM clv_models WHERE tenant_id = $1 AND status = 'FITTED' AND activated_at IS NOT NULL AND id <> $2
      ORDER BY activated_at DESC, id DESC LIMIT 1`,
    [tenantId, modelId],
  );
  await em.query(`UPDATE clv_settings SET active_model_id = $3 WHERE tenant_id = $1 AND active_model_id = $2`, [
    tenantId,
    modelId,
    fallback?.id ?? null,
  ]);
  return fallback?.id ?? null;
}
