import { Injectable } from '@nestjs/common';
import { notFound } from '@rapport/auth';
import type { EntityManager } from 'typeorm';
import { CAMPAIGN_COLUMNS, campaignView, type CampaignRow, type CampaignView, type VariantView } from './campaign-view';

/** Reads campaigns and their variants in the caller's transaction. */
@Injectable()
export class CampaignsRepository {
  async load(em: EntityManager, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}): Promise<CampaignView> {
    const campaign = await this.find(em, tenantId, id, opts);
    if (!campaign) throw notFound('Campaign', id);
    return campaign;
  }

  /** The campaign, or null when there is none with this id (a failing query still throws). */
  async find(em: EntityManager, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}): Promise<CampaignView | null> {
    const [row]: CampaignRow[] = await em.query(
      `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns k WHERE k.tenant_id = $1 AND k.id = $2${opts.forUpdate ? ' FOR UPDATE' : ''}`,
      [tenantId, id],
    );
    return row ? campaignView(row) : null;
  }

  async loadMany(em: EntityManager, tenantId: string, ids: readonly string[]): Promise<CampaignView[]> {
    const rows: CampaignRow[] = await em.query(
      `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns k WHERE k.tenant_id = $1 AND k.id = ANY($2::uuid[])`,
      [tenantId, [...ids]],
    );
    return rows.map(campaignView);
  }

  async loadVariants(em: EntityManager, tenantId: string, campaignId: string): Promise<VariantView[]> {
    const rows: {
      key: string;
      split_percent: string;
      template_id: string;
      subject: string | null;
      body_text: string;
      body_html: string | null;
    }[] = await em.query(
      `SELECT v.key, v.split_percent::text, v.template_id, t.subject, t.body_text, t.body_html
           FROM campaign_variants v JOIN message_templates t ON t.tenant_id = v.tenant_id AND t.id = v.template_id
          WHERE v.tenant_id = $1 AND v.campaign_id = $2 ORDER BY v.position`,
      [tenantId, campaignId],
    );
    return rows.map((r) => ({
      key: r.key,
      splitPercent: Number(r.split_percent),
      templateId: r.template_id,
      content: { subject: r.subject, text: r.body_text, html: r.body_html },
    }));
  }
}
