import { purchaseModels } from '@rapport/clv';
import { scoreGroups } from './clv-scoring';
import type { ScoreParams } from './clv-scoring-sql';
import { DEFAULT_CLV_TIERS } from './clv-settings';

/**
 * For the specs that compare a full scoring's SQL path with the Node path
 * on random customers: one model (BG/NBD and Gamma-Gamma, fixed
 * parameters), scored as of mid-2026 in euros by the default tiers.
 */
export const FIXTURE_AS_OF = new Date('2026-06-30T12:00:00Z');

export const fullScoringParams = (tenantId: string, modelId: string): ScoreParams => ({
  tenantId,
  modelId,
  timeUnit: 'WEEKS',
  currency: 'EUR',
  asOf: FIXTURE_AS_OF,
  contactIds: null,
  gammaGamma: { p: 6.25, q: 3.74, gamma: 15.4 },
  tiers: DEFAULT_CLV_TIERS,
});

/** The groups' purchase-model figures under the fixture's BG/NBD parameters (days per week). */
export const fixtureGroups = (groups: { x: number; txDays: number; tDays: number }[]) =>
  scoreGroups(purchaseModels.BG_NBD, { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }, groups, 7);
