import { Injectable } from '@nestjs/common';
import type { Principal } from '@rapport/auth';
import { decimal, moneyView, type Money } from '@rapport/money';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import type { AttributionModelV1 } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import { requireMarketingRead } from '../access/marketing-access';
import { groupMembers } from '../consent/contact-groups';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import type { CampaignView } from '../campaigns/campaign-view';
import { incrementalReturn, type IncrementalReturn } from './incremental-return';
import { CONTROL, decideWinner, type WinnerDecision } from './significance';
import { rate, twoProportionTest } from './uplift';

export interface GroupResult {
  group: 'VARIANT' | 'ROLLOUT' | 'CONTROL';
  variantKey: string | null;
  assigned: number;
  reach: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  unsubscribed: number;
  conversions: number;
  conversionRate: number;
  revenue: Money;
  cost: Money;
  roi: number | null;
  incremental: IncrementalView | null;
  uplift: number | null;
  zScore: number | null;
  pValue: number | null;
}

export interface IncrementalView {
  revenue: Money;
  revenueLow: Money;
  revenueHigh: Money;
  roi: number | null;
  roiLow: number | null;
  roiHigh: number | null;
  confidenceLevel: number;
}

interface GroupRow {
  grp: 'VARIANT' | 'ROLLOUT' | 'CONTROL';
  variant_key: string | null;
  assigned: number;
  reach: number;
  charged: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  unsubscribed: number;
  conversions: number;
  revenue: string | null;
}

/**
 * A campaign's measured results, per variant, roll-out and control group.
 * Conversion rates count members who ordered within the attribution
 * window after their touch (sent message; launch for the control group),
 * which is what uplift and its z-test compare; revenue is what the chosen
 * attribution model credits to the group; cost is messages handed to the
 * provider × cost per message.
 */
@Injectable()
export class CampaignResults {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly campaigns: CampaignsRepository,
  ) {}

  async results(principal: Principal, id: string, model: AttributionModelV1 = 'LAST_TOUCH') {
    requireMarketingRead(principal);
    const campaignId = validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const campaign = await this.campaigns.load(em, principal.tenantId, campaignId);
      const groups = await this.groups(em, principal.tenantId, campaign, model);
      const verdict = verdictOf(campaign, groups);
      return {
        campaign,
        model,
        windowDays: campaign.attributionWindowDays,
        groups,
        leadingVariant: verdict.leading,
        verdict: {
          winner: verdict.winner,
          reasons: verdict.reasons,
          minimumSampleSize: verdict.minimumSampleSize,
          baselineRate: verdict.baseline,
          comparisons: verdict.comparisons.map((c) => ({ ...c, differenceLow: c.low, differenceHigh: c.high })),
        },
      };
    });
  }

  async groups(em: EntityManager, tenantId: string, campaign: CampaignView, model: AttributionModelV1): Promise<GroupResult[]> {
    const rows: GroupRow[] = await em.query(
      `WITH r AS (
         SELECT r.contact_id, r.grp, r.variant_key, r.status, r.message_id, coalesce(r.touched_at, r.assigned_at) AS touch
           FROM campaign_recipients r WHERE r.campaign_id = $2 AND r.grp IN ('VARIANT', 'ROLLOUT', 'CONTROL')
       )
       SELECT r.grp, r.variant_key,
              count(*)::int AS assigned,
              (count(*) FILTER (WHERE r.grp = 'CONTROL' OR m.sent_at IS NOT NULL))::int AS reach,
              (count(*) FILTER (WHERE m.status IN ('SENT', 'DELIVERED', 'BOUNCED')))::int AS charged,
              (count(*) FILTER (WHERE m.delivered_at IS NOT NULL))::int AS delivered,
              (count(*) FILTER (WHERE m.opened_at IS NOT NULL))::int AS opened,
              (count(*) FILTER (WHERE m.clicked_at IS NOT NULL))::int AS clicked,
              (count(*) FILTER (WHERE m.status = 'BOUNCED'))::int AS bounced,
              (count(*) FILTER (WHERE m.unsubscribed_at IS NOT NULL))::int AS unsubscribed,
              (count(*) FILTER (WHERE (r.grp = 'CONTROL' OR m.sent_at IS NOT NULL) AND EXISTS (
                 SELECT 1 FROM contact_orders o
                  WHERE o.tenant_id = $1 AND o.contact_id IN ${groupMembers('r.contact_id')} AND o.status = 'PLACED' AND o.amount > 0
                    AND o.occurred_at >= r.touch AND o.occurred_at <= r.touch + make_interval(days => $3::int))))::int AS conversions,
              (SELECT sum(v.amount)::text FROM conversions v
                WHERE v.tenant_id = $1 AND v.campaign_id = $2 AND v.model = $4 AND v.currency = $5
                  AND v.grp = r.grp AND v.variant_key IS NOT DISTINCT FROM r.variant_key) AS revenue
         FROM r LEFT JOIN messages m ON m.tenant_id = $1 AND m.id = r.message_id
        GROUP BY r.grp, r.variant_key
        ORDER BY CASE r.grp WHEN 'VARIANT' THEN 0 WHEN 'ROLLOUT' THEN 1 ELSE 2 END, r.variant_key`,
      [tenantId, campaign.id, campaign.attributionWindowDays, model, campaign.costPerMessage.currency],
    );
    const squares = await this.revenueSquares(em, tenantId, campaign, model);
    const control = rows.find((r) => r.grp === 'CONTROL');
    const currency = campaign.costPerMessage.currency;
    const level = 1 - campaign.experiment.alpha;
    const sample = (r: GroupRow) => ({
      size: r.reach,
      revenue: r.revenue ?? '0',
      sumOfSquares: squares.get(`${r.grp}:${r.variant_key ?? ''}`) ?? 0,
    });
    return rows.map((r) => {
      const revenue = decimal(r.revenue ?? '0');
      const cost = decimal(campaign.costPerMessage.amount).times(r.charged);
      const incremental =
        r.grp !== 'CONTROL' && control ? incrementalReturn(sample(r), sample(control), cost.toFixed(), currency, level) : null;
      const test =
        r.grp !== 'CONTROL' && control
          ? twoProportionTest({ conversions: r.conversions, size: r.reach }, { conversions: control.conversions, size: control.reach })
          : null;
      return {
        group: r.grp,
        variantKey: r.variant_key,
        assigned: r.assigned,
        reach: r.reach,
        delivered: r.delivered,
        opened: r.opened,
        clicked: r.clicked,
        bounced: r.bounced,
        unsubscribed: r.unsubscribed,
        conversions: r.conversions,
        conversionRate: rate({ conversions: r.conversions, size: r.reach }),
        revenue: moneyView(revenue.toFixed(), currency),
        cost: moneyView(cost.toFixed(), currency),
        roi: cost.isZero() ? null : revenue.minus(cost).dividedBy(cost).toNumber(),
        incremental: incremental && incrementalView(incremental, currency, level),
        uplift: test?.uplift ?? null,
        zScore: test?.zScore ?? null,
        pValue: test?.pValue ?? null,
      };
    });
  }

  /** Σ (revenue per member)² per group, for the variance of revenue per member (members without revenue add nothing). */
  private async revenueSquares(
    em: EntityManager,
    tenantId: string,
    campaign: CampaignView,
    model: AttributionModelV1,
  ): Promise<Map<string, number>> {
    const rows: { grp: string; variant_key: string | null; squares: string }[] = await em.query(
      `SELECT grp, variant_key, sum(s * s)::text AS squares FROM (
         SELECT grp, variant_key, contact_id, sum(amount) AS s FROM conversions
          WHERE tenant_id = $1 AND campaign_id = $2 AND model = $3 AND currency = $4
          GROUP BY grp, variant_key, contact_id) per_member
        GROUP BY grp, variant_key`,
      [tenantId, campaign.id, model, campaign.costPerMessage.currency],
    );
    return new Map(rows.map((r) => [`${r.grp}:${r.variant_key ?? ''}`, Number(r.squares)]));
  }
}

/** The test's verdict from measured groups: variants against control and each other (significance.ts). */
export function verdictOf(campaign: CampaignView, groups: GroupResult[]): WinnerDecision {
  const control = groups.find((g) => g.group === CONTROL);
  return decideWinner(
    groups.filter((g) => g.group === 'VARIANT').map((g) => ({ key: g.variantKey ?? '', conversions: g.conversions, size: g.reach })),
    control ? { conversions: control.conversions, size: control.reach } : null,
    campaign.experiment,
  );
}

function incrementalView(r: IncrementalReturn, currency: string, level: number): IncrementalView {
  return {
    revenue: moneyView(r.revenue, currency),
    revenueLow: moneyView(r.low, currency),
    revenueHigh: moneyView(r.high, currency),
    roi: r.roi,
    roiLow: r.roiLow,
    roiHigh: r.roiHigh,
    confidenceLevel: level,
  };
}
