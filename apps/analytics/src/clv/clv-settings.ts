import { badUserInput } from '@rapport/auth';
import { isPurchaseModelKind, type PurchaseModelKind } from '@rapport/clv';
import type { EntityManager } from 'typeorm';
import { DEFAULT_MAX_HOLDOUT_ERROR } from './clv-validation';

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
  const [row]: { tiers: ClvTier[] | null }[] = await em.query(`SELECT tiers FROM clv_settings WHERE tenant_id = $1`, [tenantId]);
  return row?.tiers ?? [...DEFAULT_CLV_TIERS];
}

/** A new tenant's row with the default tiers; an analyst's choice is never overwritten. */
export async function createDefaultClvSettings(em: EntityManager, tenantId: string): Promise<void> {
  await em.query(`INSERT INTO clv_settings (tenant_id, tiers) VALUES ($1, $2::jsonb) ON CONFLICT (tenant_id) DO NOTHING`, [
    tenantId,
    JSON.stringify(DEFAULT_CLV_TIERS),
  ]);
}

/**
 * The purchase model of fits asked for without a kind, when the tenant has
 * chosen none: MBG/NBD lets a customer drop out at the first purchase too,
 * so a one-time buyer's P(alive) falls with time since the purchase (under
 * BG/NBD it is 1 for ever, and long-gone one-time buyers fill the top tiers
 * at LOW churn risk). Its likelihood is closed-form like BG/NBD's, so the
 * fit of a million customers' groups costs what BG/NBD's does; Pareto/NBD
 * needs a hypergeometric series per group and evaluation (ADR 081).
 */
export const DEFAULT_MODEL_KIND: PurchaseModelKind = 'MBG_NBD';

/** How fits are made and activated and what day scores are as of (besides the tiers). */
export interface ClvModelSettings {
  /** The purchase model fitClvModel fits when its input names none: the tenant's choice, else DEFAULT_MODEL_KIND. */
  modelKind: PurchaseModelKind;
  /** Whether the tenant chose modelKind (false: it is DEFAULT_MODEL_KIND, and follows it if the default changes). */
  modelKindChosen: boolean;
  /** A fit that passes validation becomes active by itself; otherwise only activateClvModel makes it active. */
  autoActivate: boolean;
  /** Largest accepted |predicted − actual| / actual hold-out purchases. */
  maxHoldoutError: number;
  /** Scores as of this instant; null = now (unless asOfLatestOrder). */
  asOf: Date | null;
  /** Scores as of the tenant's latest order (historical data: the day the data ends). */
  asOfLatestOrder: boolean;
}

export const DEFAULT_MODEL_SETTINGS: ClvModelSettings = {
  modelKind: DEFAULT_MODEL_KIND,
  modelKindChosen: false,
  autoActivate: true,
  maxHoldoutError: DEFAULT_MAX_HOLDOUT_ERROR,
  asOf: null,
  asOfLatestOrder: false,
};

/** A change to store: modelKind null = back to the default (no choice). */
export type ModelSettingsChange = Partial<Omit<ClvModelSettings, 'modelKind' | 'modelKindChosen'>> & {
  modelKind?: PurchaseModelKind | null;
};

/** Fields of UpdateClvSettingsInput: omitted fields stay, null restores the default. */
export interface ClvSettingsChange extends Partial<{
  [K in Exclude<keyof ClvModelSettings, 'modelKindChosen'>]: ClvModelSettings[K] | null;
}> {
  tiers?: ClvTier[] | null;
}

/** Validates the non-tier fields of a settings change (BAD_USER_INPUT naming the field). */
export function validateModelSettings(input: ClvSettingsChange): ModelSettingsChange {
  const out: ModelSettingsChange = {};
  if ('modelKind' in input) {
    if (input.modelKind != null && !isPurchaseModelKind(input.modelKind))
      throw badUserInput('input.modelKind', 'must be BG_NBD, PARETO_NBD or MBG_NBD');
    out.modelKind = input.modelKind ?? null;
  }
  if ('autoActivate' in input) out.autoActivate = input.autoActivate ?? DEFAULT_MODEL_SETTINGS.autoActivate;
  if ('maxHoldoutError' in input) {
    const v = input.maxHoldoutError;
    if (v != null && !(v > 0 && v <= 10)) throw badUserInput('input.maxHoldoutError', 'must be above 0 and at most 10 (1 = 100 %)');
    out.maxHoldoutError = v ?? DEFAULT_MODEL_SETTINGS.maxHoldoutError;
  }
  if ('asOf' in input) {
    if (input.asOf != null && !(input.asOf instanceof Date && !Number.isNaN(input.asOf.getTime())))
      throw badUserInput('input.asOf', 'must be a date-time');
    out.asOf = input.asOf ?? null;
  }
  if ('asOfLatestOrder' in input) out.asOfLatestOrder = input.asOfLatestOrder ?? false;
  return out;
}

interface ModelSettingsRow {
  /** null: not chosen (DEFAULT_MODEL_KIND). */
  model_kind: PurchaseModelKind | null;
  auto_activate: boolean;
  max_holdout_error: number;
  as_of: Date | null;
  as_of_latest_order: boolean;
}

/** The tenant's model settings; stores `change` first when given. */
export async function clvModelSettings(em: EntityManager, tenantId: string, change?: ModelSettingsChange): Promise<ClvModelSettings> {
  const [row]: ModelSettingsRow[] = await em.query(
    `SELECT model_kind, auto_activate, max_holdout_error, as_of, as_of_latest_order FROM clv_settings WHERE tenant_id = $1`,
    [tenantId],
  );
  const stored = row
    ? {
        modelKind: row.model_kind,
        autoActivate: row.auto_activate,
        maxHoldoutError: row.max_holdout_error,
        asOf: row.as_of,
        asOfLatestOrder: row.as_of_latest_order,
      }
    : { ...DEFAULT_MODEL_SETTINGS, modelKind: null };
  const next = change && Object.keys(change).length > 0 ? { ...stored, ...change } : stored;
  if (next !== stored) {
    await em.query(
      `INSERT INTO clv_settings (tenant_id, model_kind, auto_activate, max_holdout_error, as_of, as_of_latest_order)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id) DO UPDATE SET model_kind = EXCLUDED.model_kind, auto_activate = EXCLUDED.auto_activate,
         max_holdout_error = EXCLUDED.max_holdout_error, as_of = EXCLUDED.as_of, as_of_latest_order = EXCLUDED.as_of_latest_order,
         updated_at = now()`,
      [tenantId, next.modelKind, next.autoActivate, next.maxHoldoutError, next.asOf?.toISOString() ?? null, next.asOfLatestOrder],
    );
  }
  return { ...next, modelKind: next.modelKind ?? DEFAULT_MODEL_KIND, modelKindChosen: next.modelKind !== null };
}

/**
 * The instant scores are computed as of: the model's own asOf (fitClvModel
 * input.asOf), else the tenant's setting — its latest order, a pinned
 * instant, or now. Historical data (a 1997–98 export) is scored as of the
 * day it ends instead of decades later.
 */
export async function scoringAsOf(em: EntityManager, tenantId: string, modelAsOf: Date | null, now = new Date()): Promise<Date> {
  if (modelAsOf) return modelAsOf;
  const settings = await clvModelSettings(em, tenantId);
  if (settings.asOfLatestOrder) {
    const [row]: { latest: Date | null }[] = await em.query(
      `SELECT max(occurred_at) AS latest FROM orders WHERE tenant_id = $1 AND status = 'PLACED'`,
      [tenantId],
    );
    return row?.latest ?? now;
  }
  return settings.asOf ?? now;
}
