import { Injectable } from '@nestjs/common';
import { badUserInput, conflict, notFound, type Principal } from '@rapport/auth';
import {
  isPurchaseModelKind,
  parsePurchaseModelParams,
  purchaseModels,
  type PurchaseModel,
  type PurchaseModelKind,
  type PurchaseModelParams,
} from '@rapport/clv';
import type { Money } from '@rapport/money';
import { AccessPolicy, ServiceDatabase, SharingPolicy, validate, visibleSql } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { requireAnalyticsRead, requireAnalyticsWrite, requireCustomerFigures } from '../access/analytics-access';
import { estimateMoney } from './clv-events';
import { ClvEngine } from './clv-engine';
import { activate, findModel, MODEL_COLUMNS, type ClvModelRecord } from './clv-model';
import { compareModels, type ModelComparison } from './clv-comparison';
import { fitRequestKey, ClvScheduler } from './clv-scheduler';
import { latestScoringRun, type ClvScoringRunView } from './clv-scoring-runs';
import { DEFAULT_ANNUAL_DISCOUNT_RATE, DEFAULT_HORIZON_WEEKS, DEFAULT_PERIODS, discountedPurchases, horizonUnits } from './clv-scoring';
import {
  clvModelSettings,
  clvTiers,
  HIGH_VALUE_TIER_COUNT,
  validateModelSettings,
  validateTiers,
  type ClvModelSettings,
  type ClvSettingsChange,
  type ClvTier,
} from './clv-settings';
import { DAYS_PER_UNIT, type ClvTimeUnit } from './clv-summary-sql';

export interface FitClvModelInput {
  calibrationEnd: Date;
  timeUnit?: ClvTimeUnit | null;
  holdoutEnd?: Date | null;
  /** Purchase model; default the tenant's setting. */
  kind?: PurchaseModelKind | null;
  /** The instant its scores are as of; default the tenant's scoring setting. */
  asOf?: Date | null;
}

/** `ClvSettings` as the schema shows it. */
export interface ClvSettingsView extends ClvModelSettings {
  tiers: ClvTier[];
}

/** `CustomerValue` as resolvers see it: stored scores plus what on-the-fly horizons need. */
export interface CustomerValueView {
  pAlive: number;
  expectedAverageSpend: Money | null;
  /** Why clv and expectedAverageSpend are absent (the model's spend model was refused). */
  clvAbsentReason: string | null;
  tier: string | null;
  churnRisk: number;
  churnBand: 'LOW' | 'MEDIUM' | 'HIGH';
  churnSignals: { openComplaints: number; activityTrend: number | null };
  modelId: string;
  scoredAt: Date;
  asOf: string;
  /** Scored by a model that is no longer the tenant's active one. */
  stale: boolean;
  storedExpectedPurchases: number;
  storedClv: number | null;
  spend: number | null;
  currency: string;
  customer: { x: number; tx: number; T: number };
  purchaseModel: PurchaseModel;
  params: PurchaseModelParams | null;
  daysPerUnit: number;
}

export interface RankedCustomerView {
  contact: { __typename: 'Contact'; id: string };
  clv: Money | null;
  tier: string | null;
  pAlive: number;
  churnRisk: number;
  churnBand: string;
}

interface ValueRow {
  contact_id: string;
  model_id: string;
  x: number;
  t_x: number;
  t: number;
  p_alive: number;
  expected_purchases: number;
  expected_average_spend: number | null;
  clv: number | null;
  currency: string;
  churn_risk: number;
  churn_band: 'LOW' | 'MEDIUM' | 'HIGH';
  open_complaints: number;
  activity_trend: number | null;
  tier: string | null;
  scored_at: Date;
  as_of: string;
  purchase_model: { params: unknown } | null;
  kind: PurchaseModelKind;
  time_unit: ClvTimeUnit;
  spend_model_reason: string | null;
  stale: boolean;
}

const MAX_PERIODS = 5200;
const MAX_HORIZON_WEEKS = 520;

@Injectable()
export class ClvService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
    private readonly scheduler: ClvScheduler,
    private readonly engine: ClvEngine,
    private readonly sharing: SharingPolicy,
  ) {}

  /** Stores the model QUEUED (or finds the pending one with the same inputs) and queues its fit. */
  async requestFit(principal: Principal, input: FitClvModelInput): Promise<ClvModelRecord> {
    requireAnalyticsWrite(principal);
    const timeUnit = input.timeUnit ?? 'WEEKS';
    if (!(timeUnit in DAYS_PER_UNIT)) throw badUserInput('input.timeUnit', 'must be WEEKS or DAYS');
    const calibrationEnd = input.calibrationEnd;
    const holdoutEnd = input.holdoutEnd ?? null;
    if (holdoutEnd && holdoutEnd.toISOString().slice(0, 10) <= calibrationEnd.toISOString().slice(0, 10)) {
      throw badUserInput('input.holdoutEnd', 'must be a later day than calibrationEnd');
    }
    if (input.kind != null && !isPurchaseModelKind(input.kind)) throw badUserInput('input.kind', 'must be BG_NBD, PARETO_NBD or MBG_NBD');
    const asOf = input.asOf ?? null;
    if (asOf && utcDayOf(asOf) < utcDayOf(calibrationEnd)) throw badUserInput('input.asOf', 'must not be before calibrationEnd');
    const tenantId = principal.tenantId;
    const model = await this.db.withTenant(tenantId, async (em) => {
      const kind = input.kind ?? (await clvModelSettings(em, tenantId)).modelKind;
      const requestKey = fitRequestKey(tenantId, { calibrationEnd, timeUnit, holdoutEnd, kind, asOf });
      return queueOrJoinFit(em, [
        uuidv7(),
        tenantId,
        requestKey,
        timeUnit,
        calibrationEnd.toISOString(),
        holdoutEnd?.toISOString() ?? null,
        kind,
        asOf?.toISOString() ?? null,
      ]);
    });
    const requestKey = model.requestKey;
    // After the commit, so the job always finds its row. Unqueued, it would stay QUEUED (and block this request) for ever.
    try {
      await this.scheduler.requestFit(tenantId, model.id, requestKey);
    } catch (err) {
      await this.engine.markFailed(tenantId, model.id, `could not queue the fit: ${(err as Error).message}`);
      throw err;
    }
    return model;
  }

  async scoringRun(principal: Principal): Promise<ClvScoringRunView | null> {
    requireAnalyticsRead(principal);
    return this.db.withTenant(principal.tenantId, (em) => latestScoringRun(em, principal.tenantId));
  }

  async latestModel(principal: Principal): Promise<ClvModelRecord | null> {
    return (await this.models(principal, 1))[0] ?? null;
  }

  async models(principal: Principal, first: number | null | undefined): Promise<ClvModelRecord[]> {
    requireAnalyticsRead(principal);
    const limit = validate.pageSize(first);
    return this.db.withTenant(principal.tenantId, (em) =>
      em.query(`SELECT ${MODEL_COLUMNS} FROM clv_models m WHERE m.tenant_id = $1 ORDER BY m.requested_at DESC, m.id DESC LIMIT $2`, [
        principal.tenantId,
        limit,
      ]),
    );
  }

  async tiers(principal: Principal): Promise<ClvTier[]> {
    requireAnalyticsRead(principal);
    return this.db.withTenant(principal.tenantId, (em) => clvTiers(em, principal.tenantId));
  }

  async settings(principal: Principal): Promise<ClvSettingsView> {
    requireAnalyticsRead(principal);
    return this.db.withTenant(principal.tenantId, async (em) => ({
      tiers: await clvTiers(em, principal.tenantId),
      ...(await clvModelSettings(em, principal.tenantId)),
    }));
  }

  /**
   * Stores the changed settings (omitted fields stay, null restores the
   * default) and asks for a full rescoring (which re-tiers, moves the as-of
   * day and announces changes).
   */
  async updateSettings(principal: Principal, input: ClvSettingsChange): Promise<ClvTier[]> {
    requireAnalyticsWrite(principal);
    const change = input ?? {};
    const tiers = 'tiers' in change && change.tiers != null ? validateTiers('input.tiers', change.tiers) : null;
    const model = validateModelSettings(change);
    const stored = await this.db.withTenant(principal.tenantId, async (em) => {
      await clvModelSettings(em, principal.tenantId, model);
      if ('tiers' in change && change.tiers === null)
        await em.query(`UPDATE clv_settings SET tiers = NULL WHERE tenant_id = $1`, [principal.tenantId]);
      return clvTiers(em, principal.tenantId, tiers ?? undefined);
    });
    this.scheduler.requestScoring(principal.tenantId, null);
    return stored;
  }

  /**
   * Makes a FITTED model the active one (the one that scores) and rescores
   * everyone under it. A REJECTED or FAILED model cannot be activated: its
   * reasons say why.
   */
  async activateModel(principal: Principal, id: string): Promise<ClvModelRecord> {
    requireAnalyticsWrite(principal);
    const modelId = validate.requireUuid('id', id);
    const tenantId = principal.tenantId;
    const model = await this.db.withTenant(tenantId, async (em) => {
      const found = await findModel(em, tenantId, modelId);
      if (!found) throw notFound('ClvModel', modelId);
      if (found.status !== 'FITTED') {
        const why = found.rejectionReasons?.join('; ') ?? found.failureReason ?? 'it has not finished fitting';
        throw badUserInput('id', `only a FITTED model can be activated; this one is ${found.status}: ${why}`);
      }
      await activate(em, tenantId, modelId);
      return { ...found, active: true, activatedAt: new Date() };
    });
    this.scheduler.requestScoring(tenantId, null);
    return model;
  }

  /** Predicted vs actual hold-out purchases of several models, per frequency bucket (see clv-comparison). */
  async compare(principal: Principal, ids: readonly string[]): Promise<ModelComparison[]> {
    requireAnalyticsRead(principal);
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 10) throw badUserInput('ids', 'give between 1 and 10 model ids');
    const modelIds = ids.map((id, i) => validate.requireUuid(`ids[${i}]`, id));
    return this.db.withTenant(principal.tenantId, (em) => compareModels(em, principal.tenantId, modelIds));
  }

  /** Batch for Contact.value (one query per request). */
  async getMany(principal: Principal, contactIds: readonly string[]): Promise<Map<string, CustomerValueView>> {
    requireCustomerFigures(principal, 'VALUE', await this.access.overrides(principal));
    const ids = contactIds.map((id, i) => validate.requireUuid(`id[${i}]`, id));
    const rows: ValueRow[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT v.*, v.as_of::text AS as_of, m.purchase_model, m.kind, m.time_unit, m.spend_model_reason,
                v.model_id IS DISTINCT FROM s.active_model_id AS stale
           FROM customer_values v JOIN clv_models m ON m.tenant_id = v.tenant_id AND m.id = v.model_id
           LEFT JOIN clv_settings s ON s.tenant_id = v.tenant_id
          WHERE v.tenant_id = $1 AND v.contact_id = ANY($2::uuid[])`,
        [principal.tenantId, ids],
      ),
    );
    return new Map(rows.map((r) => [r.contact_id, valueView(r)]));
  }

  async topCustomers(principal: Principal, first: number | null | undefined): Promise<RankedCustomerView[]> {
    return this.rankedByClv(principal, first, 'DESC');
  }

  /** The other end of topCustomers: the lowest lifetime value first. */
  async worstCustomers(principal: Principal, first: number | null | undefined): Promise<RankedCustomerView[]> {
    return this.rankedByClv(principal, first, 'ASC');
  }

  private async rankedByClv(principal: Principal, first: number | null | undefined, order: 'ASC' | 'DESC'): Promise<RankedCustomerView[]> {
    requireAnalyticsRead(principal);
    const limit = validate.pageSize(first);
    const params: unknown[] = [principal.tenantId];
    const visible = visibleSql(await this.sharing.readScope(principal, 'CONTACT'), 'c.owner_id', params);
    const rows: ValueRow[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT v.* FROM ${RANKED_FROM} WHERE v.tenant_id = $1 AND v.clv IS NOT NULL AND ${NOT_DELETED} AND ${visible}
          ORDER BY v.clv ${order}, v.contact_id LIMIT $${params.length + 1}`,
        [...params, limit],
      ),
    );
    return rows.map(rankedView);
  }

  /**
   * Customers who were among the best and are slipping away: the tenant's
   * "Can't lose them" RFM segment (by default: bought the most often, not
   * lately), and customers of the top value tiers (platinum and gold by
   * default) with HIGH churn risk; who spent the most first. The RFM half is
   * what fills it: under a purchase model a customer with a high CLV is one
   * the model expects back, so the tier half alone is nearly always empty.
   */
  async cantLoseThem(principal: Principal, first: number | null | undefined): Promise<RankedCustomerView[]> {
    requireAnalyticsRead(principal);
    const limit = validate.pageSize(first);
    const scope = await this.sharing.readScope(principal, 'CONTACT');
    const rows: ValueRow[] = await this.db.withTenant(principal.tenantId, async (em) => {
      const high = (await clvTiers(em, principal.tenantId)).slice(0, HIGH_VALUE_TIER_COUNT).map((t) => t.name);
      const params: unknown[] = [principal.tenantId, high, CANT_LOSE_THEM_SEGMENT];
      const visible = visibleSql(scope, 'c.owner_id', params);
      return em.query(
        `SELECT v.* FROM ${RANKED_FROM}
           LEFT JOIN rfm_scores s ON s.tenant_id = v.tenant_id AND s.contact_id = v.contact_id
          WHERE v.tenant_id = $1 AND (s.segment_key = $3 OR (v.churn_band = 'HIGH' AND v.tier = ANY($2::text[]))) AND ${NOT_DELETED} AND ${visible}
          ORDER BY s.monetary DESC NULLS LAST, v.clv DESC, v.contact_id LIMIT $${params.length + 1}`,
        [...params, limit],
      );
    });
    return rows.map(rankedView);
  }
}

/** The key of the RFM segment cantLoseThem draws on (a tenant's scheme may redraw its cells, not its key). */
const CANT_LOSE_THEM_SEGMENT = 'cant-lose-them';

/** Rankings name contacts: only those the tenant's CONTACT sharing lets the caller see (owners from analytics' copy). */
const RANKED_FROM = `customer_values v LEFT JOIN contacts c ON c.tenant_id = v.tenant_id AND c.id = v.contact_id`;
/** A contact deleted in sales (restorable there, or purged) leaves the rankings; a restore brings it back (ADR 037). */
const NOT_DELETED = `c.deleted_at IS NULL`;

function valueView(r: ValueRow): CustomerValueView {
  return {
    pAlive: r.p_alive,
    expectedAverageSpend: r.expected_average_spend === null ? null : estimateMoney(r.expected_average_spend, r.currency),
    clvAbsentReason: r.clv === null ? (r.spend_model_reason ?? 'the model has no spend model') : null,
    tier: r.tier,
    churnRisk: r.churn_risk,
    churnBand: r.churn_band,
    churnSignals: { openComplaints: r.open_complaints, activityTrend: r.activity_trend },
    modelId: r.model_id,
    scoredAt: r.scored_at,
    asOf: r.as_of,
    stale: r.stale,
    storedExpectedPurchases: r.expected_purchases,
    storedClv: r.clv,
    spend: r.expected_average_spend,
    currency: r.currency,
    customer: { x: r.x, tx: r.t_x, T: r.t },
    purchaseModel: purchaseModels[r.kind],
    params: parsePurchaseModelParams(r.kind, r.purchase_model?.params),
    daysPerUnit: DAYS_PER_UNIT[r.time_unit],
  };
}

function rankedView(r: ValueRow): RankedCustomerView {
  return {
    contact: { __typename: 'Contact', id: r.contact_id },
    clv: r.clv === null ? null : estimateMoney(r.clv, r.currency),
    tier: r.tier,
    pAlive: r.p_alive,
    churnRisk: r.churn_risk,
    churnBand: r.churn_band,
  };
}

/** Expected purchases in `periods` units: the stored figure at the default, else computed from the summary. */
export function expectedPurchasesFor(v: CustomerValueView, periods: number | null | undefined): number {
  const n = periods ?? DEFAULT_PERIODS;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PERIODS) throw badUserInput('periods', `must be a whole number from 0 to ${MAX_PERIODS}`);
  if (n === DEFAULT_PERIODS || v.params === null) return v.storedExpectedPurchases;
  return v.purchaseModel.expectedPurchasesConditional(v.params, v.customer, n);
}

/** CLV over a horizon: the stored figure at the defaults, else computed from the summary and the model. */
export function clvFor(
  v: CustomerValueView,
  horizonWeeks: number | null | undefined,
  annualDiscountRate: number | null | undefined,
): Money | null {
  const weeks = horizonWeeks ?? DEFAULT_HORIZON_WEEKS;
  const rate = annualDiscountRate ?? DEFAULT_ANNUAL_DISCOUNT_RATE;
  if (!Number.isInteger(weeks) || weeks < 0 || weeks > MAX_HORIZON_WEEKS) {
    throw badUserInput('horizonWeeks', `must be a whole number from 0 to ${MAX_HORIZON_WEEKS}`);
  }
  if (!(rate > -1 && rate <= 1)) throw badUserInput('annualDiscountRate', 'must be above -1 and at most 1');
  if (v.storedClv === null || v.spend === null) return null;
  if ((weeks === DEFAULT_HORIZON_WEEKS && rate === DEFAULT_ANNUAL_DISCOUNT_RATE) || v.params === null) {
    return estimateMoney(v.storedClv, v.currency);
  }
  const purchases = discountedPurchases(v.purchaseModel, v.params, v.customer, horizonUnits(weeks, v.daysPerUnit), rate, v.daysPerUnit);
  return estimateMoney(v.spend * purchases, v.currency);
}

/**
 * The QUEUED model for these inputs: a new one, or the one already pending.
 * Under concurrent requests the pending one may finish between our INSERT
 * (which found it) and our SELECT (which no longer does); then a new one is
 * queued instead of failing the request.
 */
async function queueOrJoinFit(
  em: EntityManager,
  params: [string, string, string, string, string, string | null, PurchaseModelKind, string | null],
): Promise<ClvModelRecord> {
  const [, tenantId, requestKey] = params;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [inserted]: ClvModelRecord[] = await em.query(
      `WITH m AS (
         INSERT INTO clv_models (id, tenant_id, request_key, status, time_unit, calibration_end, holdout_end, kind, as_of)
         VALUES ($1, $2, $3, 'QUEUED', $4, $5, $6, $7, $8)
         ON CONFLICT (tenant_id, request_key) WHERE status IN ('QUEUED', 'RUNNING') DO NOTHING
         RETURNING *)
       SELECT ${MODEL_COLUMNS} FROM m`,
      params,
    );
    if (inserted) return inserted;
    const [pending]: ClvModelRecord[] = await em.query(
      `SELECT ${MODEL_COLUMNS} FROM clv_models m WHERE m.tenant_id = $1 AND m.request_key = $2 AND m.status IN ('QUEUED', 'RUNNING')`,
      [tenantId, requestKey],
    );
    if (pending) return pending;
  }
  throw conflict('the same fit was requested and finished concurrently several times; request it again', 'input');
}

function utcDayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}
