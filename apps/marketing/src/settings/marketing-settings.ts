import { Injectable } from '@nestjs/common';
import { badUserInput, type Principal } from '@rapport/auth';
import { DEFAULT_RFM_SEGMENTS } from '@rapport/clv';
import { ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { requireMarketingRead, requireMarketingWrite } from '../access/marketing-access';

export const DEFAULT_TIER_ORDER = ['platinum', 'gold', 'silver', 'bronze'];

export interface MarketingSettingsView {
  tierOrder: string[];
}

/** What rules are compiled with for a tenant. */
export interface RuleContext {
  tierOrder: string[];
  /** The standard RFM segments and any others analytics has named for the tenant. */
  rfmSegments: { key: string; name: string }[];
}

/** A new tenant's row (the schema's default tier order); an admin's choice is never overwritten. */
export async function createDefaultMarketingSettings(em: EntityManager, tenantId: string): Promise<void> {
  await em.query(`INSERT INTO marketing_settings (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId]);
}

/** Per-tenant settings rules depend on (the tier order, best first, for "tier ≥ gold"). */
@Injectable()
export class MarketingSettings {
  constructor(private readonly db: ServiceDatabase) {}

  async read(em: EntityManager, tenantId: string): Promise<MarketingSettingsView> {
    const [row]: { tier_order: string[] }[] = await em.query(`SELECT tier_order FROM marketing_settings WHERE tenant_id = $1`, [tenantId]);
    return { tierOrder: row?.tier_order ?? DEFAULT_TIER_ORDER };
  }

  async ruleContext(em: EntityManager, tenantId: string): Promise<RuleContext> {
    const { tierOrder } = await this.read(em, tenantId);
    const named: { key: string; name: string }[] = await em.query(`SELECT key, name FROM rfm_segment_names WHERE tenant_id = $1`, [
      tenantId,
    ]);
    const byKey = new Map(DEFAULT_RFM_SEGMENTS.map((s) => [s.key, { key: s.key, name: s.name }]));
    for (const s of named) byKey.set(s.key, s);
    return { tierOrder, rfmSegments: [...byKey.values()] };
  }

  async get(principal: Principal): Promise<MarketingSettingsView> {
    requireMarketingRead(principal);
    return this.db.withTenant(principal.tenantId, (em) => this.read(em, principal.tenantId));
  }

  async set(principal: Principal, input: { tierOrder?: string[] | null }): Promise<MarketingSettingsView> {
    requireMarketingWrite(principal);
    const tierOrder = input.tierOrder ?? DEFAULT_TIER_ORDER;
    if (tierOrder.length === 0 || tierOrder.length > 20) throw badUserInput('input.tierOrder', 'give 1–20 tiers, best first');
    const cleaned = tierOrder.map((t, i) => {
      const v = t.trim();
      if (!/^[A-Za-z0-9_-]{1,40}$/.test(v)) throw badUserInput(`input.tierOrder[${i}]`, `${JSON.stringify(t)} is not a tier name`);
      return v;
    });
    if (new Set(cleaned).size !== cleaned.length) throw badUserInput('input.tierOrder', 'tiers must be distinct');
    await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `INSERT INTO marketing_settings (tenant_id, tier_order) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET tier_order = EXCLUDED.tier_order, updated_at = now()`,
        [principal.tenantId, cleaned],
      ),
    );
    return { tierOrder: cleaned };
  }
}
