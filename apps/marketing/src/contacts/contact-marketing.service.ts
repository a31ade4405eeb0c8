import { Injectable } from '@nestjs/common';
import type { Principal } from '@rapport/auth';
import { AccessPolicy, ServiceDatabase, validate } from '@rapport/service-kit';
import { requireMarketingProfileRead } from '../access/marketing-access';
import { groupMembers } from '../consent/contact-groups';
import { SuppressionsService, type SuppressionView } from '../consent/suppressions.service';
import { JourneysService, type EnrollmentView } from '../journeys/journeys.service';
import { SegmentsService, type SegmentView } from '../segments/segments.service';

/**
 * Contact.marketing: what marketing records and decides. The read model's
 * copies of analytics' figures (CLV, tier, churn, RFM) feed segment rules
 * but are not shown here: a figure is shown by its owner only
 * (Contact.value, Contact.rfm), so one answer cannot show two values.
 */
export interface ContactMarketingView {
  contactId: string;
  /** The survivor the contact stands for (itself unless merged). */
  survivorId: string;
  openComplaints: number;
  /** Set by journeys, over the contact and everything merged into it. */
  journeyAttributes: Record<string, unknown>;
}

export interface TouchView {
  id: string;
  channel: string;
  status: string;
  campaignId: string | null;
  variantKey: string | null;
  journeyId: string | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  openedAt: Date | null;
  clickedAt: Date | null;
  bouncedAt: Date | null;
  unsubscribedAt: Date | null;
  detail: string | null;
}

interface ContactRow {
  id: string;
  survivor: string;
  open_complaints: number;
  attributes: Record<string, unknown>;
}

/** Contact.marketing: one contact as marketing sees it and what it does with them. */
@Injectable()
export class ContactMarketingService {
  constructor(
    private readonly access: AccessPolicy,
    private readonly db: ServiceDatabase,
    private readonly segments: SegmentsService,
    private readonly suppressions: SuppressionsService,
    private readonly journeys: JourneysService,
  ) {}

  async getMany(principal: Principal, contactIds: readonly string[]): Promise<Map<string, ContactMarketingView>> {
    const ids = contactIds.map((id, i) => validate.requireUuid(`id[${i}]`, id));
    requireMarketingProfileRead(principal, await this.access.overrides(principal));
    const rows: ContactRow[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT i.id, s.id AS survivor, s.open_complaints, s.attributes
           FROM unnest($2::uuid[]) AS i(id)
           JOIN contacts c ON c.tenant_id = $1 AND c.id = i.id
           JOIN contacts s ON s.tenant_id = $1 AND s.id = coalesce(c.merged_into, c.id)
          WHERE s.sales_updated_at IS NOT NULL`,
        [principal.tenantId, ids],
      ),
    );
    return new Map(
      rows.map((r) => [
        r.id,
        { contactId: r.id, survivorId: r.survivor, openComplaints: r.open_complaints, journeyAttributes: r.attributes },
      ]),
    );
  }

  segmentsOf(principal: Principal, view: ContactMarketingView): Promise<SegmentView[]> {
    return this.db.withTenant(principal.tenantId, (em) => this.segments.segmentsOf(em, principal.tenantId, view.survivorId));
  }

  async lastTouches(principal: Principal, view: ContactMarketingView, first: number | null | undefined): Promise<TouchView[]> {
    const limit = validate.pageSize(first, { default: 5, max: 50 });
    const rows: Record<string, unknown>[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT m.id, m.channel, m.status, m.campaign_id, m.variant_key, m.journey_id, m.sent_at, m.delivered_at, m.opened_at, m.clicked_at,
                m.bounced_at, m.unsubscribed_at, m.detail
           FROM messages m
          WHERE m.tenant_id = $1 AND m.contact_id IN ${groupMembers('$2::uuid')}
          ORDER BY m.created_at DESC LIMIT $3`,
        [principal.tenantId, view.survivorId, limit],
      ),
    );
    return rows.map((r) => ({
      id: r.id as string,
      channel: r.channel as string,
      status: r.status as string,
      campaignId: r.campaign_id as string | null,
      variantKey: r.variant_key as string | null,
      journeyId: r.journey_id as string | null,
      sentAt: r.sent_at as Date | null,
      deliveredAt: r.delivered_at as Date | null,
      openedAt: r.opened_at as Date | null,
      clickedAt: r.clicked_at as Date | null,
      bouncedAt: r.bounced_at as Date | null,
      unsubscribedAt: r.unsubscribed_at as Date | null,
      detail: r.detail as string | null,
    }));
  }

  async suppression(principal: Principal, view: ContactMarketingView): Promise<{ suppressed: boolean; entries: SuppressionView[] }> {
    const entries = await this.db.withTenant(principal.tenantId, (em) =>
      this.suppressions.entriesOf(em, principal.tenantId, view.survivorId),
    );
    return { suppressed: entries.length > 0, entries };
  }

  journeysOf(principal: Principal, view: ContactMarketingView): Promise<EnrollmentView[]> {
    return this.db.withTenant(principal.tenantId, async (em) => {
      const members: { id: string }[] = await em.query(`SELECT m.id FROM ${groupMembers('$2::uuid')} AS m(id)`, [
        principal.tenantId,
        view.survivorId,
      ]);
      return this.journeys.enrollmentsOf(
        em,
        principal.tenantId,
        members.map((m) => m.id),
      );
    });
  }
}
