import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@rapport/contracts';
import { appendPackedToOutbox, currentMessageContext } from '@rapport/messaging';
import { AuditRecorder, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import type { AnalyticsConfig } from '../analytics.env';
import { TableStatistics } from '../statistics/table-statistics';
import { lockClvScoring } from '../tenant-locks';
import { scoringEvents, valueChanges } from './clv-events';
import { parsePurchaseModelParams, purchaseModels, type PurchaseModel } from '@rapport/clv';
import { fitClv, type ClvFitOutcome } from './clv-fit';
import { activate, activeModel, failScoringModel, findModel, type ClvModelRecord } from './clv-model';
import { scoreGroups, ScoringError } from './clv-scoring';
import { assignTiers, scoreCustomers, type ScoredChunk } from './clv-scoring-sql';
import { finishScoringRun, scoringRunProgress, startScoringRun } from './clv-scoring-runs';
import { clvModelSettings, clvTiers, scoringAsOf } from './clv-settings';
import { fitVerdict } from './clv-validation';
import { DAYS_PER_UNIT, dominantCurrency, groupedSummary, utcDay } from './clv-summary-sql';

export interface ScoringOutcome {
  modelId: string | null;
  /** The day scored as of; null when nothing was scored (no active model). */
  asOf: Date | null;
  /** Why the active model could not score (it is now FAILED and the model active before it, if any, took over). */
  failure?: string;
  /** The model active after a failure, which a new scoring should use. */
  fallbackModelId?: string | null;
  scored: number;
  removed: number;
  tierChanges: number;
  bandChanges: number;
  /** Customers whose value figures changed (each announced by analytics.customer.value_changed). */
  valueChanges: number;
  /** Why a full scoring scored nobody and kept the previous scores (its as-of day is before every order): its run's error. */
  nobodyScored?: string;
}

const DAY_MS = 86_400_000;

/**
 * The work behind the CLV jobs: fitting a requested model, and scoring
 * customers under the tenant's latest fitted one. Both are idempotent, so a
 * retried job does no harm.
 */
@Injectable()
export class ClvEngine {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly audit: AuditRecorder,
    private readonly statistics: TableStatistics,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<AnalyticsConfig, 'ANALYTICS_SCORING_WORK_MEM_MB'>,
  ) {}

  /**
   * Fits the model `modelId` from its inputs: summary in SQL (grouped), fit
   * in libs/clv outside the transaction (the purchase model of its kind from
   * the registry, and Gamma-Gamma), then validation: a fit that passes is
   * FITTED — and active, when the tenant activates automatically — one that
   * does not, or did not converge, is REJECTED with the reasons (the active
   * model stays), one that cannot be fitted (no customers, an error) FAILED
   * (fitVerdict). Returns the stored record (null if the row is
   * gone or already finished).
   */
  async fit(tenantId: string, modelId: string): Promise<ClvModelRecord | null> {
    const started = Date.now();
    const prepared = await this.db.withTenant(tenantId, async (em) => {
      const model = await findModel(em, tenantId, modelId);
      if (!model || (model.status !== 'QUEUED' && model.status !== 'RUNNING')) return null;
      await em.query(`UPDATE clv_models SET status = 'RUNNING' WHERE tenant_id = $1 AND id = $2`, [tenantId, modelId]);
      const currency = await dominantCurrency(em, tenantId);
      const summary = await groupedSummary(em, {
        tenantId,
        calibrationEnd: model.calibrationEnd,
        holdoutEnd: model.holdoutEnd,
        timeUnit: model.timeUnit,
        currency,
      });
      return { model, currency, summary, settings: await clvModelSettings(em, tenantId) };
    });
    if (!prepared) return null;
    const { model, currency, summary, settings } = prepared;
    const daysPerUnit = DAYS_PER_UNIT[model.timeUnit];
    const holdoutDays = model.holdoutEnd ? dayNumber(model.holdoutEnd) - dayNumber(model.calibrationEnd) : null;
    let outcome: ClvFitOutcome;
    try {
      outcome = fitClv(summary, daysPerUnit, holdoutDays, model.kind);
    } catch (err) {
      outcome = {
        ok: false as const,
        reason: `fit error: ${(err as Error).message}`,
        rejected: false,
        customersUsed: summary.customers,
        repeatBuyers: 0,
      };
    }
    const verdict = fitVerdict(outcome, purchaseModels[model.kind].label, settings.maxHoldoutError);
    const reasons = verdict.rejectionReasons;
    const fitTimeMs = Date.now() - started;
    return this.db.withTenant(tenantId, async (em) => {
      let action: string;
      if (outcome.ok) {
        const status = verdict.status;
        await em.query(
          `UPDATE clv_models SET status = $10, currency = $3, purchase_model = $4::jsonb, gamma_gamma = $5::jsonb, holdout = $6::jsonb,
                  customers_used = $7, repeat_buyers = $8, fit_time_ms = $9, failure_reason = NULL,
                  rejection_reasons = $11::jsonb, spend_model_reason = $12, finished_at = now()
            WHERE tenant_id = $1 AND id = $2`,
          [
            tenantId,
            modelId,
            currency,
            JSON.stringify(outcome.purchaseModel),
            outcome.gammaGamma ? JSON.stringify(outcome.gammaGamma) : null,
            outcome.holdout ? JSON.stringify(outcome.holdout) : null,
            outcome.customersUsed,
            outcome.repeatBuyers,
            fitTimeMs,
            status,
            reasons.length > 0 ? JSON.stringify(reasons) : null,
            outcome.spendModelReason,
          ],
        );
        // Automatic activation only for a model that passed validation; a rejected one leaves the active model as it is.
        const activateNow = status === 'FITTED' && settings.autoActivate;
        if (activateNow) await activate(em, tenantId, modelId);
        action = status === 'REJECTED' ? 'clvModel.rejected' : activateNow ? 'clvModel.activated' : 'clvModel.fitted';
      } else {
        // No estimates either way: REJECTED (it ran and did not converge; the active model stays) or FAILED.
        await em.query(
          `UPDATE clv_models SET status = $8, currency = $3, customers_used = $4, repeat_buyers = $5, fit_time_ms = $6,
                  failure_reason = $7, rejection_reasons = $9::jsonb, finished_at = now()
            WHERE tenant_id = $1 AND id = $2`,
          [
            tenantId,
            modelId,
            currency,
            outcome.customersUsed,
            outcome.repeatBuyers,
            fitTimeMs,
            verdict.failureReason,
            verdict.status,
            reasons.length > 0 ? JSON.stringify(reasons) : null,
          ],
        );
        action = verdict.status === 'REJECTED' ? 'clvModel.rejected' : 'clvModel.failed';
      }
      // The fit is a job's change: audited with the system as actor, in the transaction that stores it.
      await this.audit.record(em, {
        tenantId,
        action,
        objectType: 'ClvModel',
        objectId: modelId,
        details: {
          kind: model.kind,
          customersUsed: outcome.customersUsed,
          repeatBuyers: outcome.repeatBuyers,
          ...(verdict.failureReason ? { reason: verdict.failureReason } : {}),
          ...(reasons.length > 0 ? { rejectionReasons: reasons } : {}),
        },
      });
      return findModel(em, tenantId, modelId);
    });
  }

  /**
   * Writes many events to the outbox in packed rows (a first scoring
   * announces every customer three times: a row per event was most of its
   * time, ADR 046). The last goes through ServiceDatabase.publish, so the
   * relay is woken when the transaction commits.
   */
  private async publishAll(em: EntityManager, events: EventEnvelope[]): Promise<void> {
    await appendPackedToOutbox(em, events.slice(0, -1));
    if (events.length > 0) await this.db.publish(em, events[events.length - 1]);
  }

  /** Tenants that have an active model: a cross-tenant read, deliberately as the connecting user (ADR 003). */
  async tenantsWithModels(): Promise<string[]> {
    const rows: { tenant_id: string }[] = await this.db.tenantDb.system((em) =>
      em.query(`SELECT tenant_id FROM clv_settings WHERE active_model_id IS NOT NULL`),
    );
    return rows.map((r) => r.tenant_id);
  }

  /** A fit whose job gave up (an error, not a fit result): the model says so instead of staying RUNNING. */
  async markFailed(tenantId: string, modelId: string, reason: string): Promise<void> {
    await this.db.withTenant(tenantId, (em) =>
      em.query(
        `UPDATE clv_models SET status = 'FAILED', failure_reason = $3, finished_at = now()
          WHERE tenant_id = $1 AND id = $2 AND status IN ('QUEUED', 'RUNNING')`,
        [tenantId, modelId, reason],
      ),
    );
  }

  /**
   * Scores customers (all, or `contactIds`) under the tenant's active model
   * as of `asOf` (default: the model's asOf, else the tenant's setting, else
   * now), re-tiers the tenant, and publishes, in the same transaction,
   * a tier or churn-band event for each customer whose tier or band actually
   * changed and a value event for each whose figures changed at all (none
   * for the others). Scorings of one tenant are serialised, so every change
   * is published exactly once.
   *
   * The work is linear in the customers (see scoreCustomers). A full scoring
   * is recorded as a run (`clvScoringRun`: done of total, then SUCCEEDED or
   * FAILED), tiers as it writes and announces each chunk with it; an
   * incremental one re-tiers the tenant at the end (ASSIGN_TIERS_SQL).
   *
   * A model that cannot score (a ScoringError; any error when `lastAttempt`)
   * is marked FAILED with the reason and stops being active; the model
   * active before it takes over (outcome.fallbackModelId: score again).
   */
  async score(
    tenantId: string,
    contactIds: readonly string[] | null,
    options: { asOf?: Date; lastAttempt?: boolean; chunkSize?: number } = {},
  ): Promise<ScoringOutcome> {
    // Set inside the transaction: which model was scoring when it failed, and the run that shows it.
    const scoring: { modelId: string | null; runId: string | null } = { modelId: null, runId: null };
    try {
      const outcome = await this.db.withTenant(tenantId, async (em): Promise<ScoringOutcome> => {
        await lockClvScoring(em, tenantId);
        const model = await activeModel(em, tenantId);
        const none = { modelId: null, asOf: null, scored: 0, removed: 0, tierChanges: 0, bandChanges: 0, valueChanges: 0 };
        if (!model || !model.currency) return none;
        scoring.modelId = model.id;
        const purchaseModel: PurchaseModel = purchaseModels[model.kind];
        const params = parsePurchaseModelParams(model.kind, model.purchaseModel?.params);
        if (!params) throw new ScoringError(`the stored parameters are not those of ${purchaseModel.label}`);
        const asOf = options.asOf ?? (await scoringAsOf(em, tenantId, model.asOf));
        // A merged contact's orders count for its survivor: rescore that one too.
        if (contactIds) {
          const survivors: { id: string }[] = await em.query(
            `SELECT DISTINCT merged_into AS id FROM contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND merged_into IS NOT NULL`,
            [tenantId, contactIds],
          );
          contactIds = [...new Set([...contactIds, ...survivors.map((s) => s.id)])];
        }
        const full = contactIds === null;
        // Full scorings are observable (clvScoringRun); progress is written beside this transaction, not in it.
        const runId = full ? await this.db.withTenant(tenantId, (runEm) => startScoringRun(runEm, tenantId, model.id, asOf)) : null;
        scoring.runId = runId;
        const counts = { tierChanges: 0, bandChanges: 0, valueChanges: 0 };
        // Incremental scorings re-tier the tenant afterwards, so their changes are announced at the end, merged with the tier moves.
        const deferred: ScoredChunk[] = [];
        const daysPerUnit = DAYS_PER_UNIT[model.timeUnit];
        const result = await scoreCustomers(
          em,
          {
            tenantId,
            modelId: model.id,
            timeUnit: model.timeUnit,
            currency: model.currency,
            asOf,
            contactIds,
            gammaGamma: model.gammaGamma?.params ?? null,
            tiers: await clvTiers(em, tenantId),
            workMemMb: this.config.ANALYTICS_SCORING_WORK_MEM_MB,
          },
          (groups) => scoreGroups(purchaseModel, params, groups, daysPerUnit),
          {
            progress: runId
              ? (done, total) => this.db.withTenant(tenantId, (runEm) => scoringRunProgress(runEm, tenantId, runId, done, total))
              : undefined,
            // Incremental scorings: the changes come back, and are announced after the re-tiering.
            chunk: async (chunk) => void deferred.push(chunk),
            // A full scoring tiers as it writes: each chunk's statement writes its changes to the outbox too, as compact
            // rows the relay expands into the events (ADR 055, 060), so no customer comes back to Node.
            announce: full
              ? {
                  trace: currentMessageContext(),
                  announced: async (chunk) => {
                    counts.tierChanges += chunk.tierChanges;
                    counts.bandChanges += chunk.bandChanges;
                    counts.valueChanges += chunk.valueChanges;
                    if (chunk.rows > 0) this.db.wroteToOutbox(em);
                  },
                }
              : undefined,
          },
          options.chunkSize,
        );
        const tierChanges = full ? [] : await assignTiers(em, tenantId, await clvTiers(em, tenantId));
        const changed = {
          removed: result.removed,
          bandChanges: deferred.flatMap((c) => c.bandChanges),
          figureChanges: deferred.flatMap((c) => c.figureChanges),
        };
        const values = valueChanges(changed, tierChanges, asOf);
        await this.publishAll(em, scoringEvents(tenantId, changed, tierChanges, values));
        return {
          modelId: model.id,
          asOf,
          ...(result.nobodyScored ? { nobodyScored: result.nobodyScored } : {}),
          scored: result.scored,
          removed: result.removed.length,
          tierChanges: counts.tierChanges + tierChanges.length,
          bandChanges: counts.bandChanges + changed.bandChanges.length,
          valueChanges: counts.valueChanges + values.length,
        };
      });
      if (scoring.runId) {
        // A scoring that scored nobody kept the previous scores: its run is FAILED with the reason, the model is not.
        await this.finishRun(tenantId, scoring.runId, outcome.nobodyScored ?? null);
        // A full scoring rewrote every customer's value: the planner's figures for the table follow (ADR 055).
        this.statistics.refreshLater(['customer_values'], outcome.scored + outcome.removed);
      }
      return outcome;
    } catch (err) {
      if (scoring.runId) await this.finishRun(tenantId, scoring.runId, (err as Error).message);
      const failedId = scoring.modelId;
      if (failedId === null || !(err instanceof ScoringError || options.lastAttempt)) throw err;
      const reason = `scoring failed: ${(err as Error).message}`;
      const fallbackModelId = await this.db.withTenant(tenantId, async (em) => {
        const fallback = await failScoringModel(em, tenantId, failedId, reason);
        await this.audit.record(em, {
          tenantId,
          action: 'clvModel.failed',
          objectType: 'ClvModel',
          objectId: failedId,
          details: { reason, fallbackModelId: fallback },
        });
        return fallback;
      });
      return {
        modelId: failedId,
        asOf: null,
        failure: reason,
        fallbackModelId,
        scored: 0,
        removed: 0,
        tierChanges: 0,
        bandChanges: 0,
        valueChanges: 0,
      };
    }
  }

  /** Ends a run record; a failure to write it must not hide the scoring's own outcome (or error). */
  private async finishRun(tenantId: string, runId: string, error: string | null): Promise<void> {
    await this.db.withTenant(tenantId, (em) => finishScoringRun(em, tenantId, runId, error)).catch(() => undefined);
  }
}

function dayNumber(at: Date): number {
  return Date.parse(utcDay(at)) / DAY_MS;
}
