import { badUserInput } from '@rapport/auth';
import { compareOnHoldout, parsePurchaseModelParams, purchaseModels, type HoldoutCustomer, type PurchaseModel } from '@rapport/clv';
import type { EntityManager } from 'typeorm';
import { HOLDOUT_BUCKETS, type HoldoutCell } from './clv-fit';
import { MODEL_COLUMNS, type ClvModelRecord } from './clv-model';
import { CUSTOMER_SUMMARY_CTE, DAYS_PER_UNIT, summaryParameters } from './clv-summary-sql';

/**
 * Customers grouped by (x, t_x, T) and by their own hold-out purchase count:
 * per-customer errors (MAE, RMSE) need each customer's actual count, which
 * the fit's grouping sums away.
 */
const HOLDOUT_GROUPS_SQL = `
WITH ${CUSTOMER_SUMMARY_CTE}
SELECT x, tx_days AS "txDays", t_days AS "tDays", holdout_purchases AS "holdoutPurchases", count(*)::int AS customers
  FROM summary WHERE $4::int > 0 GROUP BY x, tx_days, t_days, holdout_purchases`;

/** One model's hold-out forecast against what its calibration customers did. */
export interface ModelComparison {
  model: ClvModelRecord;
  /** Log-likelihood of the calibration fit (comparable between kinds: the same data). */
  calibrationLogLikelihood: number;
  customers: number;
  actual: number;
  predicted: number;
  /** (predicted − actual) / actual over all customers; null when nobody bought in the hold-out. */
  totalRelativeError: number | null;
  meanAbsoluteError: number;
  rootMeanSquaredError: number;
  byPurchaseCount: HoldoutCell[];
}

/**
 * Compares models fitted on the same calibration and hold-out periods (and
 * time unit) by libs/clv compareOnHoldout: predicted vs actual purchases in
 * the hold-out, per calibration frequency bucket 0…6, 7+, with the errors,
 * in the order the ids were given. Evidence for choosing between BG/NBD,
 * Pareto/NBD and MBG/NBD, including REJECTED fits (to see why).
 */
export async function compareModels(em: EntityManager, tenantId: string, ids: readonly string[]): Promise<ModelComparison[]> {
  const rows: ClvModelRecord[] = await em.query(
    `SELECT ${MODEL_COLUMNS} FROM clv_models m WHERE m.tenant_id = $1 AND m.id = ANY($2::uuid[])`,
    [tenantId, ids],
  );
  const byId = new Map(rows.map((m) => [m.id, m]));
  const models = ids.map((id, i) => {
    const model = byId.get(id);
    if (!model) throw badUserInput(`ids[${i}]`, 'no such CLV model');
    const { holdoutEnd, purchaseModel: fit } = model;
    if (!holdoutEnd) throw badUserInput(`ids[${i}]`, 'the model was fitted without a hold-out period (fitClvModel input.holdoutEnd)');
    if (!fit) throw badUserInput(`ids[${i}]`, `the model is ${model.status}: it has no fitted parameters`);
    return { model, holdoutEnd, fit };
  });
  const first = models[0];
  const same = ({ model, holdoutEnd }: (typeof models)[number]) =>
    model.calibrationEnd.getTime() === first.model.calibrationEnd.getTime() &&
    holdoutEnd.getTime() === first.holdoutEnd.getTime() &&
    model.timeUnit === first.model.timeUnit;
  const odd = models.findIndex((m) => !same(m));
  if (odd >= 0) throw badUserInput(`ids[${odd}]`, 'models compared must share calibrationEnd, holdoutEnd and timeUnit');

  const { calibrationEnd, timeUnit } = first.model;
  const daysPerUnit = DAYS_PER_UNIT[timeUnit];
  const groups: { x: number; txDays: number; tDays: number; holdoutPurchases: number; customers: number }[] = await em.query(
    HOLDOUT_GROUPS_SQL,
    summaryParameters({
      tenantId,
      calibrationEnd,
      holdoutEnd: first.holdoutEnd,
      timeUnit,
      currency: null,
    }),
  );
  const customers: HoldoutCustomer[] = groups.map((g) => ({
    x: g.x,
    tx: g.txDays / daysPerUnit,
    T: g.tDays / daysPerUnit,
    holdoutPurchases: g.holdoutPurchases,
    weight: g.customers,
  }));
  const periods = (Date.parse(utcDay(first.holdoutEnd)) - Date.parse(utcDay(calibrationEnd))) / 86_400_000 / daysPerUnit;
  return models.map(({ model, fit }, i) => {
    const purchaseModel: PurchaseModel = purchaseModels[model.kind];
    const params = parsePurchaseModelParams(model.kind, fit.params);
    if (!params) throw badUserInput(`ids[${i}]`, `the stored parameters are not those of ${purchaseModel.label}`);
    const [c] = compareOnHoldout(customers, periods, [
      { label: purchaseModel.label, expectedPurchases: (customer, t) => purchaseModel.expectedPurchasesConditional(params, customer, t) },
    ]);
    return {
      model,
      calibrationLogLikelihood: fit.logLikelihood,
      customers: c.customers,
      actual: c.actualTotal,
      predicted: c.predictedTotal,
      totalRelativeError: Number.isFinite(c.totalRelativeError) ? c.totalRelativeError : null,
      meanAbsoluteError: c.meanAbsoluteError,
      rootMeanSquaredError: c.rootMeanSquaredError,
      byPurchaseCount: c.buckets.map((b, k) => ({
        bucket: HOLDOUT_BUCKETS[k],
        customers: b.customers,
        actual: b.actualTotal,
        predicted: b.predictedTotal,
      })),
    };
  });
}

function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
