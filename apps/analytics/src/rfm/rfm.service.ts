import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, type Principal } from '@rapport/auth';
import { DEFAULT_RFM_SEGMENTS } from '@rapport/clv';
import { RFM_RECOMPUTED, type EventActor } from '@rapport/contracts';
import { currentMessageContext, newEvent } from '@rapport/messaging';
import { moneyView, type Money } from '@rapport/money';
import { AccessPolicy, AuditRecorder, describeAudit, ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { requireCustomerFigures, requireAnalyticsRead, requireAnalyticsWrite } from '../access/analytics-access';
import { scoringAsOf } from '../clv/clv-settings';
import { lockRfmRecompute } from '../tenant-locks';
import { RfmScoreEntity } from './rfm-score.entity';
import { recomputeAndRecordRfmScores } from './rfm-sql';
import { pacedRecomputeStart } from './rfm-pacing';
import { rfmSettings, validateSettingsChange, type RfmSettingsChange } from './rfm-settings';
import { rfmView, type RfmView } from './rfm-view';
import { TableStatistics } from '../statistics/table-statistics';
import {
  failRfmRun,
  findRfmRun,
  lastFinishedRfmRun,
  latestRfmRun,
  queueRfmRun,
  rfmRunStep,
  startRfmRun,
  succeedRfmRun,
  type RfmRunView,
} from './rfm-runs';

export interface RecomputeOutcome {
  /** The run that recorded it (rfmRecomputeRun). */
  runId: string;
  customersScored: number;
  customersRemoved: number;
  /** Contacts whose cell or segment changed (each announced by analytics.customer.rfm_changed). */
  customersChanged: number;
  asOf: Date;
  windowDays: number;
  currency: string | null;
  /** Why nobody was scored although the tenant has orders (they lie outside the window before asOf); null otherwise. */
  emptyWindowReason: string | null;
}

export interface SegmentSummary {
  key: string | null;
  name: string;
  customers: number;
  revenue: Money | null;
}

@Injectable()
export class RfmService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
    private readonly audit: AuditRecorder,
    private readonly statistics: TableStatistics,
  ) {}

  /**
   * `recomputeRfm`: optionally changes the tenant's settings, then recomputes
   * as of input.asOf (this once; default the tenant's scoring as-of setting,
   * else now).
   */
  async recomputeFor(
    principal: Principal,
    input: (RfmSettingsChange & { asOf?: Date | null }) | null | undefined,
  ): Promise<RecomputeOutcome> {
    requireAnalyticsWrite(principal);
    const asOf = validAsOf(input);
    const change = validateSettingsChange(input);
    const run = await this.db.withTenant(principal.tenantId, (em) =>
      queueRfmRun(em, principal.tenantId, { ...change, asOf: asOf?.toISOString() ?? null }),
    );
    return this.recompute(principal.tenantId, actorOf(principal), change, asOf, run.id);
  }

  /**
   * `startRfmRecompute`: the same recompute as a background job (ADR 055):
   * validated here, queued as a run, returned at once (QUEUED); the job
   * (RfmScheduler) runs it and the run shows its step, then its counts or
   * its error (`rfmRecomputeRun`). For tenants whose recompute takes longer
   * than a request may (a million customers: past the gateway's timeout).
   */
  async startFor(
    principal: Principal,
    input: (RfmSettingsChange & { asOf?: Date | null }) | null | undefined,
    enqueue: (tenantId: string, runId: string, actor: EventActor) => Promise<void>,
  ): Promise<RfmRunView> {
    requireAnalyticsWrite(principal);
    const asOf = validAsOf(input);
    const change = validateSettingsChange(input);
    const run = await this.db.withTenant(principal.tenantId, (em) =>
      queueRfmRun(em, principal.tenantId, { ...change, asOf: asOf?.toISOString() ?? null }),
    );
    await enqueue(principal.tenantId, run.id, actorOf(principal));
    describeAudit({ objectType: 'RfmRecomputeRun', objectId: run.id, details: { asOf: asOf?.toISOString() ?? null, ...change } });
    return run;
  }

  /** The job behind startRfmRecompute; returns null when the run is gone or already finished (a duplicate job). */
  async runQueued(tenantId: string, runId: string, actor: EventActor): Promise<RecomputeOutcome | null> {
    const request = await this.db.withTenant(tenantId, (em) => startRfmRun(em, tenantId, runId));
    if (!request) return null;
    const asOf = request.asOf ? new Date(request.asOf) : undefined;
    const change: RfmSettingsChange = {};
    if (request.windowDays !== undefined) change.windowDays = request.windowDays;
    if (request.currency !== undefined) change.currency = request.currency;
    return this.recompute(tenantId, actor, change, asOf, runId, { background: true });
  }

  /** The earliest the next recompute asked for by orders may start (pacedRecomputeStart), or null: now. */
  async pacedStart(tenantId: string, sharePercent: number): Promise<Date | null> {
    if (sharePercent >= 100) return null;
    const last = await this.db.withTenant(tenantId, (em) => lastFinishedRfmRun(em, tenantId));
    return pacedRecomputeStart(last, sharePercent);
  }

  /** A job that gave up: its run says so instead of staying RUNNING. */
  async failRun(tenantId: string, runId: string, error: string): Promise<void> {
    await this.db.withTenant(tenantId, (em) => failRfmRun(em, tenantId, runId, error));
  }

  /** `rfmRecomputeRun`: a run by id, or the tenant's latest. */
  async run(principal: Principal, id: string | null | undefined): Promise<RfmRunView | null> {
    requireAnalyticsRead(principal);
    const runId = id == null ? null : validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, (em) =>
      runId ? findRfmRun(em, principal.tenantId, runId) : latestRfmRun(em, principal.tenantId),
    );
  }

  /**
   * Scores the whole tenant in one statement and announces it: one
   * `analytics.customer.rfm_changed` per contact whose cell or segment
   * changed (compact outbox rows the relay expands, ADR 061: a fresh tenant announces every customer), then
   * `analytics.rfm.recomputed`.
   * Recomputes of one tenant are serialised (advisory lock), so a queued run
   * and a manual one never interleave their writes, and each change is
   * announced once.
   */
  async recompute(
    tenantId: string,
    actor: EventActor,
    change: RfmSettingsChange = {},
    asOfInput?: Date,
    runId?: string,
    options: { background?: boolean } = {},
  ): Promise<RecomputeOutcome> {
    const run = runId ?? (await this.db.withTenant(tenantId, (em) => queueRfmRun(em, tenantId, { ...change }))).id;
    const step = (name: string) => this.db.withTenant(tenantId, (em) => rfmRunStep(em, tenantId, run, name));
    // A background run was started by runQueued; any other is started here (queued a moment ago, or just now).
    if (!options.background) await this.db.withTenant(tenantId, (em) => startRfmRun(em, tenantId, run));
    let outcome: RecomputeOutcome;
    try {
      outcome = await this.db.withTenant(tenantId, async (em) => {
        await lockRfmRecompute(em, tenantId);
        const asOf = asOfInput ?? (await scoringAsOf(em, tenantId, null));
        const settings = await rfmSettings(em, tenantId, change);
        // The statement records its changes in the outbox as compact rows the relay expands into the rfm_changed
        // events (ADR 061): no changed contact comes back to Node.
        const { customersChanged, ...result } = await recomputeAndRecordRfmScores(
          em,
          { tenantId, asOf, ...settings },
          { actor, trace: currentMessageContext() },
        );
        await step('ANNOUNCING');
        const emptyWindowReason = result.customersScored === 0 ? await whyNobodyScored(em, tenantId, asOf, settings.windowDays) : null;
        await this.db.publish(
          em,
          newEvent({
            type: RFM_RECOMPUTED,
            tenantId,
            actor,
            subjectId: tenantId,
            data: {
              asOf: asOf.toISOString(),
              windowDays: settings.windowDays,
              currency: result.currency,
              customersScored: result.customersScored,
            },
          }),
        );
        // One audit entry per run with its counts, not one per scored row: the queued job's own entry (system
        // actor), or what the recomputeRfm mutation's entry says.
        const details = {
          runId: run,
          asOf: asOf.toISOString(),
          customersScored: result.customersScored,
          customersRemoved: result.customersRemoved,
          customersChanged,
        };
        // A job (queued by orders, or startRfmRecompute's) records its own entry, with whoever asked as the actor.
        if (actor.kind === 'system' || options.background)
          await this.audit.record(em, { tenantId, actor, action: 'rfm.recomputed', objectType: 'RfmScores', objectId: run, details });
        else describeAudit({ details });
        return { ...result, runId: run, customersChanged, asOf, windowDays: settings.windowDays, emptyWindowReason };
      });
    } catch (err) {
      // A background run may be retried (its job decides when it gives up: failRun); a direct one has failed.
      if (!options.background) await this.failRun(tenantId, run, (err as Error).message).catch(() => undefined);
      throw err;
    }
    await this.db.withTenant(tenantId, (em) => succeedRfmRun(em, tenantId, run, outcome));
    // A recompute rewrites the tenant's scores: the planner's figures for them follow (ADR 055).
    this.statistics.refreshLater(['rfm_scores'], outcome.customersScored + outcome.customersRemoved);
    return outcome;
  }

  /** Batch for Contact.rfm (one query per request, however many contacts). */
  async getMany(principal: Principal, contactIds: readonly string[]): Promise<Map<string, RfmView>> {
    requireCustomerFigures(principal, 'RFM', await this.access.overrides(principal));
    const ids = contactIds.map((id, i) => validate.requireUuid(`id[${i}]`, id));
    const rows = await this.db.withTenant(principal.tenantId, (em) =>
      em.getRepository(RfmScoreEntity).createQueryBuilder('s').where('s.contact_id = ANY(:ids)', { ids }).getMany(),
    );
    return new Map(rows.map((r) => [r.contactId, rfmView(r)]));
  }

  /** Customers and revenue per segment, every default segment listed (zeros too) so charts stay stable. */
  async segments(principal: Principal): Promise<SegmentSummary[]> {
    requireAnalyticsRead(principal);
    const rows: { key: string | null; name: string | null; customers: number; revenue: string; currency: string }[] =
      await this.db.withTenant(principal.tenantId, (em) =>
        em.query(
          `SELECT segment_key AS key, segment_name AS name, count(*)::int AS customers, sum(monetary)::text AS revenue, min(currency) AS currency
             FROM rfm_scores WHERE tenant_id = $1 GROUP BY segment_key, segment_name`,
          [principal.tenantId],
        ),
      );
    const currency = rows[0]?.currency ?? null;
    const money = (amount: string) => (currency ? moneyView(amount, currency) : null);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const known = DEFAULT_RFM_SEGMENTS.map((s) => {
      const row = byKey.get(s.key);
      return { key: s.key, name: s.name, customers: row?.customers ?? 0, revenue: money(row?.revenue ?? '0') };
    });
    const other = rows
      .filter((r) => !DEFAULT_RFM_SEGMENTS.some((s) => s.key === r.key))
      .map((r) => ({ key: r.key, name: r.name ?? 'Unsegmented', customers: r.customers, revenue: money(r.revenue) }));
    return [...known, ...other];
  }
}

/**
 * A recompute that scored nobody says why when the tenant has placed orders:
 * they all lie outside the window before asOf (historical data scored as of
 * today, or an asOf before the first order). Silence here once left a
 * 1997–98 data set with 0 scores and no hint.
 */
async function whyNobodyScored(em: EntityManager, tenantId: string, asOf: Date, windowDays: number): Promise<string | null> {
  const [row]: { first: Date | null; last: Date | null; n: number }[] = await em.query(
    `SELECT min(occurred_at) AS first, max(occurred_at) AS last, count(*)::int AS n
       FROM orders WHERE tenant_id = $1 AND status = 'PLACED' AND contact_id IS NOT NULL`,
    [tenantId],
  );
  if (!row?.first || !row.last) return null;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  return (
    `no placed order of a known customer in the ${windowDays} days up to ${asOf.toISOString()}; the tenant's ${row.n} orders ` +
    `run from ${day(row.first)} to ${day(row.last)}: recompute with input.asOf in that range, or set ClvSettings.asOfLatestOrder`
  );
}

function validAsOf(input: { asOf?: Date | null } | null | undefined): Date | undefined {
  const asOf = input?.asOf ?? undefined;
  if (asOf !== undefined && !(asOf instanceof Date && !Number.isNaN(asOf.getTime())))
    throw badUserInput('input.asOf', 'must be a date-time');
  return asOf;
}
