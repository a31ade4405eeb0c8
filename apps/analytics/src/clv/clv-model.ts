import type { BgNbdParams, GammaGammaParams } from '@rapport/clv';
import type { EntityManager } from 'typeorm';
import type { HoldoutCheck, StoredFit } from './clv-fit';
import type { ClvTimeUnit } from './clv-summary-sql';

export type ClvModelStatus = 'QUEUED' | 'RUNNING' | 'FITTED' | 'FAILED';

/** A `clv_models` row as the code uses it. */
export interface ClvModelRecord {
  id: string;
  tenantId: string;
  requestKey: string;
  status: ClvModelStatus;
  timeUnit: ClvTimeUnit;
  calibrationEnd: Date;
  holdoutEnd: Date | null;
  currency: string | null;
  bgNbd: StoredFit<BgNbdParams> | null;
  gammaGamma: StoredFit<GammaGammaParams> | null;
  holdout: HoldoutCheck | null;
  customersUsed: number | null;
  repeatBuyers: number | null;
  fitTimeMs: number | null;
  failureReason: string | null;
  requestedAt: Date;
  finishedAt: Date | null;
}

export const MODEL_COLUMNS = `id, tenant_id AS "tenantId", request_key AS "requestKey", status, time_unit AS "timeUnit",
  calibration_end AS "calibrationEnd", holdout_end AS "holdoutEnd", currency, bg_nbd AS "bgNbd", gamma_gamma AS "gammaGamma",
  holdout, customers_used AS "customersUsed", repeat_buyers AS "repeatBuyers", fit_time_ms AS "fitTimeMs",
  failure_reason AS "failureReason", requested_at AS "requestedAt", finished_at AS "finishedAt"`;

export async function findModel(em: EntityManager, tenantId: string, id: string): Promise<ClvModelRecord | null> {
  const [row]: ClvModelRecord[] = await em.query(`SELECT ${MODEL_COLUMNS} FROM clv_models WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    id,
  ]);
  return row ?? null;
}

/** The model scores come from: the tenant's most recently fitted one. */
export async function latestFittedModel(em: EntityManager, tenantId: string): Promise<ClvModelRecord | null> {
  const [row]: ClvModelRecord[] = await em.query(
    `SELECT ${MODEL_COLUMNS} FROM clv_models WHERE tenant_id = $1 AND status = 'FITTED' ORDER BY finished_at DESC, id DESC LIMIT 1`,
    [tenantId],
  );
  return row ?? null;
}
