import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, type Principal } from '@rapport/auth';
import { type PageArgs, pageWindow, paginateSql, ServiceDatabase, validate } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import { insertTemplate } from '../templates/message-templates';
import { requireMarketingRead, requireMarketingWrite } from '../access/marketing-access';
import { ChannelRegistry } from '../sending/channel-registry';
import { validateCampaignInput, type CreateCampaignInput } from './campaign-input';
import { CampaignJobs } from './campaign-jobs';
import { CampaignLauncher } from './campaign-launcher';
import {
  CAMPAIGN_COLUMNS,
  campaignView,
  type CampaignRow,
  type CampaignStatus,
  type CampaignView,
  type VariantView,
} from './campaign-view';
import { CampaignsRepository } from './campaigns.repository';

export interface AudienceSummary {
  total: number;
  byGroup: { key: string; count: number }[];
  byStatus: { key: string; count: number }[];
  excluded: { key: string; count: number }[];
  skipped: { key: string; count: number }[];
}

/** Campaigns: created as drafts, launched once (now or at their time), cancelled while sending. */
@Injectable()
export class CampaignsService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly channels: ChannelRegistry,
    private readonly launcher: CampaignLauncher,
    private readonly jobs: CampaignJobs,
    private readonly repo: CampaignsRepository,
  ) {}

  async create(principal: Principal, input: CreateCampaignInput): Promise<CampaignView> {
    requireMarketingWrite(principal);
    const draft = validateCampaignInput(input);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const segment: unknown[] = await em.query(`SELECT 1 FROM segments WHERE tenant_id = $1 AND id = $2`, [
        principal.tenantId,
        draft.segmentId,
      ]);
      if (segment.length === 0) throw badUserInput('input.segmentId', `no segment ${draft.segmentId} in this tenant`);
      const id = uuidv7();
      await em.query(
        `INSERT INTO campaigns (id, tenant_id, name, segment_id, channel, purpose, status, scheduled_at, send_rate_per_minute,
                                control_percent, test_percent, currency, budget, cost_per_message, attribution_window_days, created_by,
                                significance_level, power, minimum_detectable_effect, baseline_rate)
         VALUES ($1, $2, $3, $4, $5, $6, 'DRAFT', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
        [
          id,
          principal.tenantId,
          draft.name,
          draft.segmentId,
          draft.channel,
          draft.purpose,
          draft.scheduledAt,
          draft.sendRatePerMinute,
          draft.controlBp / 100,
          draft.testBp / 100,
          draft.costPerMessage.currency,
          draft.budget?.amount ?? null,
          draft.costPerMessage.amount,
          draft.attributionWindowDays,
          actorOf(principal).id,
          draft.experiment.alpha,
          draft.experiment.power,
          draft.experiment.minimumDetectableEffect,
          draft.experiment.baselineRate,
        ],
      );
      for (const [position, variant] of draft.variants.entries()) {
        const templateId = await insertTemplate(em, principal.tenantId, draft.channel, variant.content);
        await em.query(
          `INSERT INTO campaign_variants (tenant_id, campaign_id, key, split_percent, template_id, position) VALUES ($1, $2, $3, $4, $5, $6)`,
          [principal.tenantId, id, variant.key, variant.splitBp / 100, templateId, position],
        );
      }
      return this.repo.load(em, principal.tenantId, id);
    });
  }

  /** `launchCampaign`: draws the audience and queues the sends now, or schedules that for the campaign's time. */
  async launch(principal: Principal, id: string): Promise<CampaignView> {
    requireMarketingWrite(principal);
    const campaignId = validate.requireUuid('id', id);
    const now = new Date();
    const started = await this.db.withTenant(principal.tenantId, async (em) => {
      const campaign = await this.repo.load(em, principal.tenantId, campaignId, { forUpdate: true });
      if (campaign.status !== 'DRAFT') throw conflict(`campaign ${campaignId} is ${campaign.status}; a campaign launches once`);
      this.channels.requireConfigured(campaign.channel);
      if (campaign.scheduledAt && campaign.scheduledAt.getTime() > now.getTime() + 1000) {
        await em.query(`UPDATE campaigns SET status = 'SCHEDULED', updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
          principal.tenantId,
          campaignId,
        ]);
        return { scheduledAt: campaign.scheduledAt, batches: [] as number[] };
      }
      const draw = await this.launcher.start(em, principal.tenantId, campaign, { enforceBudget: true });
      return { scheduledAt: null, batches: draw.batches };
    });
    if (started.scheduledAt) await this.jobs.scheduleLaunch(principal.tenantId, campaignId, started.scheduledAt);
    else await this.jobs.startWave(principal.tenantId, campaignId, 'launch', started.batches);
    return this.db.withTenant(principal.tenantId, (em) => this.repo.load(em, principal.tenantId, campaignId));
  }

  /** Stops a scheduled or sending campaign: what has not gone out stays unsent. */
  async cancel(principal: Principal, id: string): Promise<CampaignView> {
    requireMarketingWrite(principal);
    const campaignId = validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const campaign = await this.repo.load(em, principal.tenantId, campaignId, { forUpdate: true });
      if (!['SCHEDULED', 'SENDING', 'DRAFT'].includes(campaign.status))
        throw conflict(`campaign ${campaignId} is ${campaign.status} and cannot be cancelled`);
      await em.query(
        `UPDATE campaigns SET status = 'CANCELLED', completed_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2`,
        [principal.tenantId, campaignId],
      );
      await em.query(
        `UPDATE campaign_recipients SET status = 'SKIPPED', skip_reason = 'CANCELLED' WHERE campaign_id = $1 AND status IN ('PENDING', 'HELD')`,
        [campaignId],
      );
      return this.repo.load(em, principal.tenantId, campaignId);
    });
  }

  async get(principal: Principal, id: string): Promise<CampaignView | null> {
    requireMarketingRead(principal);
    const campaignId = validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, (em) => this.repo.find(em, principal.tenantId, campaignId));
  }

  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, CampaignView>> {
    requireMarketingRead(principal);
    const campaigns = await this.db.withTenant(principal.tenantId, (em) => this.repo.loadMany(em, principal.tenantId, ids));
    return new Map(campaigns.map((c) => [c.id, c]));
  }

  async list(principal: Principal, args: PageArgs & { status?: CampaignStatus | null }) {
    requireMarketingRead(principal);
    const wanted = pageWindow(args);
    return this.db.withTenant(principal.tenantId, (em) =>
      paginateSql(em, {
        select: CAMPAIGN_COLUMNS,
        from: `campaigns k WHERE k.tenant_id = $1 AND ($2::text IS NULL OR k.status = $2)`,
        params: [principal.tenantId, args.status ?? null],
        sortColumn: 'k.created_at',
        idColumn: 'k.id',
        direction: 'DESC',
        ...wanted,
        cursorOf: (r: CampaignRow) => [r.created_at.toISOString(), r.id],
        map: campaignView,
      }),
    );
  }

  async variants(principal: Principal, campaignId: string): Promise<VariantView[]> {
    return this.db.withTenant(principal.tenantId, (em) => this.repo.loadVariants(em, principal.tenantId, campaignId));
  }

  async audience(principal: Principal, campaign: CampaignView): Promise<AudienceSummary | null> {
    if (campaign.audienceCount === null) return null;
    const rows: { kind: string; key: string; n: number }[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT 'group' AS kind, grp AS key, count(*)::int AS n FROM campaign_recipients WHERE campaign_id = $1 GROUP BY grp
         UNION ALL SELECT 'status', status, count(*)::int FROM campaign_recipients WHERE campaign_id = $1 GROUP BY status
         UNION ALL SELECT 'skipped', skip_reason, count(*)::int FROM campaign_recipients WHERE campaign_id = $1 AND skip_reason IS NOT NULL GROUP BY skip_reason
         ORDER BY 1, 2`,
        [campaign.id],
      ),
    );
    const of = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => ({ key: r.key, count: r.n }));
    return {
      total: campaign.audienceCount,
      byGroup: of('group'),
      byStatus: of('status'),
      skipped: of('skipped'),
      excluded: Object.entries(campaign.excluded)
        .map(([key, count]) => ({ key, count }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    };
  }
}
