import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@rapport/contracts';
import { appendManyToOutbox } from '@rapport/messaging';
import { AuditRecorder, ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { lockClvScoring } from '../tenant-locks';
import { scoringEvents, valueChanges } from './clv-events';
import { fitClv } from './clv-fit';
import { findModel, latestFittedModel, type ClvModelRecord } from './clv-model';
import { scoreGroups } from './clv-scoring';
import { assignTiers, scoreCustomers } from './clv-scoring-sql';
import { clvTiers } from './clv-settings';
import { DAYS_PER_UNIT, dominantCurrency, groupedSummary, utcDay } from './clv-summary-sql';

export interface ScoringOutcome {
  modelId: string | null;
  scored: number;
  removed: number;
  tierChanges: number;
  bandChanges: number;
  /** Customers whose value figures changed (each announced by analytics.customer.value_changed). */
  valueChanges: number;
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
  ) {}

  /**
   * Fits the model `modelId` from its inputs: summary in SQL (grouped), fit
   * in libs/clv outside the transaction, result stored as FITTED or FAILED.
   * Returns the stored record (null if the row is gone or already finished).
   */
  async fit(tenantId: string, modelId: string): Promise<ClvModelRecord | null> {
    const started = Date.now();
    const prepared = await this.db.withTenant(tenantId, async (em) => {
      const model = await findModel(em, tenantId, modelId);
      if (!model || model.status === 'FITTED' || model.status === 'FAILED') return null;
      await em.query(`UPDATE clv_models SET status = 'RUNNING' WHERE tenant_id = $1 AND id = $2`, [tenantId, modelId]);
      const currency = await dominantCurrency(em, tenantId);
      const summary = await groupedSummary(em, {
        tenantId,
        calibrationEnd: model.calibrationEnd,
        holdoutEnd: model.holdoutEnd,
        timeUnit: model.timeUnit,
        currency,
      });
      return { model, currency, summary };
    });
    if (!prepared) return null;
    const { model, currency, summary } = prepared;
    const daysPerUnit = DAYS_PER_UNIT[model.timeUnit];
    const holdoutDays = model.holdoutEnd ? dayNumber(model.holdoutEnd) - dayNumber(model.calibrationEnd) : null;
    let outcome;
    try {
      outcome = fitClv(summary, daysPerUnit, holdoutDays);
    } catch (err) {
      outcome = { ok: false as const, reason: `fit error: ${(err as Error).message}`, customersUsed: summary.customers, repeatBuyers: 0 };
    }
    const fitTimeMs = Date.now() - started;
    return this.db.withTenant(tenantId, async (em) => {
      if (outcome.ok) {
        await em.query(
          `UPDATE clv_models SET status = 'FITTED', currency = $3, bg_nbd = $4::jsonb, gamma_gamma = $5::jsonb, holdout = $6::jsonb,
                  customers_used = $7, repeat_buyers = $8, fit_time_ms = $9, failure_reason = NULL, finished_at = now()
            WHERE tenant_id = $1 AND id = $2`,
          [
            tenantId,
            modelId,
            currency,
            JSON.stringify(outcome.bgNbd),
            JSON.stringify(outcome.gammaGamma),
            outcome.holdout ? JSON.stringify(outcome.holdout) : null,
            outcome.customersUsed,
            outcome.repeatBuyers,
            fitTimeMs,
          ],
        );
      } else {
        await em.query(
          `UPDATE clv_models SET status = 'FAILED', currency = $3, customers_used = $4, repeat_buyers = $5, fit_time_ms = $6,
                  failure_reason = $7, finished_at = now()
            WHERE tenant_id = $1 AND id = $2`,
          [tenantId, modelId, currency, outcome.customersUsed, outcome.repeatBuyers, fitTimeMs, outcome.reason],
        );
      }
      // The fit is a job's change: audited with the system as actor, in the transaction that stores it.
      await this.audit.record(em, {
        tenantId,
        action: outcome.ok ? 'clvModel.fitted' : 'clvModel.failed',
        objectType: 'ClvModel',
        objectId: modelId,
        details: {
          customersUsed: outcome.customersUsed,
          repeatBuyers: outcome.repeatBuyers,
          ...(outcome.ok ? {} : { reason: outcome.reason }),
        },
      });
      return findModel(em, tenantId, modelId);
    });
  }

  /**
   * Writes many events to the outbox in multi-row statements (a first
   * scoring announces every customer). The last goes through
   * ServiceDatabase.publish, so the relay is woken when the transaction commits.
   */
  private async publishAll(em: EntityManager, events: EventEnvelope[]): Promise<void> {
    await appendManyToOutbox(em, events.slice(0, -1));
    if (events.length > 0) await this.db.publish(em, events[events.length - 1]);
  }

  /** Tenants that have a fitted model: a cross-tenant read, deliberately as the connecting user (ADR 003). */
  async tenantsWithModels(): Promise<string[]> {
    const rows: { tenant_id: string }[] = await this.db.tenantDb.system((em) =>
      em.query(`SELECT DISTINCT tenant_id FROM clv_models WHERE status = 'FITTED'`),
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
   * Scores customers (all, or `contactIds`) under the latest fitted model as
   * of `asOf`, re-tiers the tenant, and publishes, in the same transaction,
   * a tier or churn-band event for each customer whose tier or band actually
   * changed and a value event for each whose figures changed at all (none
   * for the others). Scorings of one tenant are serialised, so every change
   * is published exactly once.
   */
  async score(tenantId: string, contactIds: readonly string[] | null, asOf: Date = new Date()): Promise<ScoringOutcome> {
    return this.db.withTenant(tenantId, async (em) => {
      await lockClvScoring(em, tenantId);
      const model = await latestFittedModel(em, tenantId);
      if (!model || !model.bgNbd || !model.gammaGamma || !model.currency) {
        return { modelId: null, scored: 0, removed: 0, tierChanges: 0, bandChanges: 0, valueChanges: 0 };
      }
      // A merged contact's orders count for its survivor: rescore that one too.
      if (contactIds) {
        const survivors: { id: string }[] = await em.query(
          `SELECT DISTINCT merged_into AS id FROM contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND merged_into IS NOT NULL`,
          [tenantId, contactIds],
        );
        contactIds = [...new Set([...contactIds, ...survivors.map((s) => s.id)])];
      }
      const summary = await groupedSummary(em, {
        tenantId,
        calibrationEnd: asOf,
        holdoutEnd: null,
        timeUnit: model.timeUnit,
        currency: model.currency,
        contactIds,
      });
      const groups = scoreGroups(model.bgNbd.params, summary.frequencyRecency, DAYS_PER_UNIT[model.timeUnit]);
      const scored = await scoreCustomers(em, {
        tenantId,
        modelId: model.id,
        timeUnit: model.timeUnit,
        currency: model.currency,
        asOf,
        contactIds,
        gammaGamma: model.gammaGamma.params,
        groups,
      });
      const tierChanges = await assignTiers(em, tenantId, await clvTiers(em, tenantId));
      const values = valueChanges(scored, tierChanges, asOf);
      await this.publishAll(em, scoringEvents(tenantId, scored, tierChanges, values));
      return {
        modelId: model.id,
        scored: scored.scored,
        removed: scored.removed.length,
        tierChanges: tierChanges.length,
        bandChanges: scored.bandChanges.length,
        valueChanges: values.length,
      };
    });
  }
}

function dayNumber(at: Date): number {
  return Date.parse(utcDay(at)) / DAY_MS;
}
