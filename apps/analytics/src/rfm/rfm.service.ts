import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '@rapport/auth';
import { DEFAULT_RFM_SEGMENTS } from '@rapport/clv';
import { CUSTOMER_RFM_CHANGED, RFM_RECOMPUTED, type CustomerRfmChangedDataV1, type EventActor } from '@rapport/contracts';
import { appendManyToOutbox, newEvent } from '@rapport/messaging';
import { moneyView, type Money } from '@rapport/money';
import { AccessPolicy, ServiceDatabase, validate } from '@rapport/service-kit';
import { requireCustomerFigures, requireAnalyticsRead, requireAnalyticsWrite } from '../access/analytics-access';
import { lockRfmRecompute } from '../tenant-locks';
import { RfmScoreEntity } from './rfm-score.entity';
import { recomputeRfmScores, type RfmChange } from './rfm-sql';
import { rfmSettings, validateSettingsChange, type RfmSettingsChange } from './rfm-settings';
import { rfmView, type RfmView } from './rfm-view';

export interface RecomputeOutcome {
  customersScored: number;
  customersRemoved: number;
  /** Contacts whose cell or segment changed (each announced by analytics.customer.rfm_changed). */
  customersChanged: number;
  asOf: Date;
  windowDays: number;
  currency: string | null;
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
  ) {}

  /** `recomputeRfm`: optionally changes the tenant's settings, then recomputes now. */
  async recomputeFor(principal: Principal, input: RfmSettingsChange | null | undefined): Promise<RecomputeOutcome> {
    requireAnalyticsWrite(principal);
    return this.recompute(principal.tenantId, actorOf(principal), validateSettingsChange(input));
  }

  /**
   * Scores the whole tenant in one statement and announces it: one
   * `analytics.customer.rfm_changed` per contact whose cell or segment
   * changed (multi-row outbox inserts), then `analytics.rfm.recomputed`.
   * Recomputes of one tenant are serialised (advisory lock), so a queued run
   * and a manual one never interleave their writes, and each change is
   * announced once.
   */
  async recompute(tenantId: string, actor: EventActor, change: RfmSettingsChange = {}, asOf = new Date()): Promise<RecomputeOutcome> {
    return this.db.withTenant(tenantId, async (em) => {
      await lockRfmRecompute(em, tenantId);
      const settings = await rfmSettings(em, tenantId, change);
      const { changes, ...result } = await recomputeRfmScores(em, { tenantId, asOf, ...settings });
      await appendManyToOutbox(
        em,
        changes.map((change) => rfmChanged(tenantId, actor, asOf, change)),
      );
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
      return { ...result, customersChanged: changes.length, asOf, windowDays: settings.windowDays };
    });
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

function rfmChanged(tenantId: string, actor: EventActor, asOf: Date, c: RfmChange) {
  const data: CustomerRfmChangedDataV1 = {
    contactId: c.contactId,
    previousSegmentKey: c.previousSegmentKey,
    previousScore: c.previousScore,
    segmentKey: c.segmentKey,
    segmentName: c.segmentName,
    score: c.score,
    recencyDays: c.recencyDays,
    frequency: c.frequency,
    monetary: c.monetary !== null && c.currency !== null ? moneyView(c.monetary, c.currency).amount : null,
    currency: c.currency,
    asOf: asOf.toISOString(),
  };
  return newEvent({ type: CUSTOMER_RFM_CHANGED, tenantId, actor, subjectId: c.contactId, data });
}
