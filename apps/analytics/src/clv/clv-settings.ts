import { badUserInput } from '@rapport/auth';
import type { EntityManager } from 'typeorm';

/** A value tier: the `share` of customers with the next-highest CLV, after the tiers above it. */
export interface ClvTier {
  name: string;
  share: number;
}

export const DEFAULT_CLV_TIERS: readonly ClvTier[] = [
  { name: 'platinum', share: 0.05 },
  { name: 'gold', share: 0.15 },
  { name: 'silver', share: 0.3 },
  { name: 'bronze', share: 0.5 },
];

/** Tiers the "can't lose them" list counts as high value: the top two of the tenant's scheme. */
export const HIGH_VALUE_TIER_COUNT = 2;

/**
 * Validates a tier scheme, best first: 1–10 distinct names (1–40 characters)
 * with shares in (0, 1] adding up to 1.
 */
export function validateTiers(field: string, tiers: readonly ClvTier[] | null | undefined): ClvTier[] {
  if (!tiers || tiers.length === 0 || tiers.length > 10) throw badUserInput(field, 'give between 1 and 10 tiers, best first');
  const names = new Set<string>();
  const out = tiers.map((t, i) => {
    const name = (t.name ?? '').trim().toLowerCase();
    if (name.length === 0 || name.length > 40) throw badUserInput(`${field}[${i}].name`, 'must be 1–40 characters');
    if (names.has(name)) throw badUserInput(`${field}[${i}].name`, `"${name}" is already used`);
    names.add(name);
    if (!(t.share > 0 && t.share <= 1)) throw badUserInput(`${field}[${i}].share`, 'must be greater than 0 and at most 1');
    return { name, share: t.share };
  });
  const total = out.reduce((s, t) => s + t.share, 0);
  if (Math.abs(total - 1) > 1e-9) throw badUserInput(field, `shares must add up to 1 (they add up to ${total})`);
  return out;
}

/**
 * Rows for the tier statement: a customer whose CLV rank (cume_dist, from the
 * top) is at most `upper` belongs to the first such tier. Ties share a rank,
 * so equal CLVs always get the same tier. The last tier's bound is 1.
 */
export function tierBounds(tiers: readonly ClvTier[]): { ordinal: number; name: string; upper: number }[] {
  let cumulative = 0;
  return tiers.map((t, ordinal) => {
    cumulative += t.share;
    return { ordinal, name: t.name, upper: ordinal === tiers.length - 1 ? 1 : cumulative };
  });
}

/** The tenant's tiers; stores `change` first when given. */
export async function clvTiers(em: EntityManager, tenantId: string, change?: ClvTier[]): Promise<ClvTier[]> {
  if (change) {
    await em.query(
      `INSERT INTO clv_settings (tenant_id, tiers) VALUES ($1, $2::jsonb)
       ON CONFLICT (tenant_id) DO UPDATE SET tiers = EXCLUDED.tiers, updated_at = now()`,
      [tenantId, JSON.stringify(change)],
    );
    return change;
  }
  const [row]: { tiers: ClvTier[] }[] = await em.query(`SELECT tiers FROM clv_settings WHERE tenant_id = $1`, [tenantId]);
  return row?.tiers ?? [...DEFAULT_CLV_TIERS];
}
