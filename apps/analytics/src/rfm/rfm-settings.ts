import { badUserInput } from '@rapport/auth';
import { isCurrencyCode } from '@rapport/money';
import type { EntityManager } from 'typeorm';

export interface RfmSettings {
  windowDays: number;
  /** Reporting currency; null = the currency most orders in the window use. */
  currency: string | null;
}

export interface RfmSettingsChange {
  windowDays?: number | null;
  currency?: string | null;
}

export const DEFAULT_WINDOW_DAYS = 365;

/** Validates a change; omitted fields stay, null resets to the default. */
export function validateSettingsChange(input: RfmSettingsChange | null | undefined): RfmSettingsChange {
  const change: RfmSettingsChange = {};
  if (input && 'windowDays' in input) {
    const days = input.windowDays;
    if (days != null && (!Number.isInteger(days) || days < 1 || days > 3650))
      throw badUserInput('input.windowDays', 'must be a whole number of days between 1 and 3650');
    change.windowDays = days ?? null;
  }
  if (input && 'currency' in input) {
    const currency = input.currency?.trim().toUpperCase() ?? null;
    if (currency !== null && !isCurrencyCode(currency)) throw badUserInput('input.currency', 'must be an ISO 4217 code (e.g. EUR, USD)');
    change.currency = currency;
  }
  return change;
}

/** The tenant's settings after applying `change` (stored when anything changed). */
export async function rfmSettings(em: EntityManager, tenantId: string, change: RfmSettingsChange = {}): Promise<RfmSettings> {
  const [row]: { window_days: number; currency: string | null }[] = await em.query(
    `SELECT window_days, currency FROM rfm_settings WHERE tenant_id = $1`,
    [tenantId],
  );
  const settings: RfmSettings = { windowDays: row?.window_days ?? DEFAULT_WINDOW_DAYS, currency: row?.currency ?? null };
  if ('windowDays' in change) settings.windowDays = change.windowDays ?? DEFAULT_WINDOW_DAYS;
  if ('currency' in change) settings.currency = change.currency ?? null;
  if (Object.keys(change).length > 0) {
    await em.query(
      `INSERT INTO rfm_settings (tenant_id, window_days, currency) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET window_days = EXCLUDED.window_days, currency = EXCLUDED.currency, updated_at = now()`,
      [tenantId, settings.windowDays, settings.currency],
    );
  }
  return settings;
}

/** A new tenant's row (the schema's default window, no reporting currency); an analyst's choice is never overwritten. */
export async function createDefaultRfmSettings(em: EntityManager, tenantId: string): Promise<void> {
  await em.query(`INSERT INTO rfm_settings (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId]);
}
