import { badUserInput } from '@rapport/auth';
import { validate } from '@rapport/service-kit';

export const FORECAST_CATEGORIES = ['PIPELINE', 'BEST_CASE', 'COMMIT', 'CLOSED_WON', 'CLOSED_LOST'] as const;
export type ForecastCategory = (typeof FORECAST_CATEGORIES)[number];

export interface StageInput {
  /** Present for an existing stage (kept, possibly renamed or moved); absent for a new one. */
  id?: string | null;
  name: string;
  probability: number;
  forecastCategory: ForecastCategory;
}

export interface ValidStage {
  id: string | null;
  name: string;
  position: number;
  probability: number;
  forecastCategory: ForecastCategory;
}

export const MAX_STAGES = 30;

/** What a tenant gets on first use, so a fresh tenant can create opportunities at once. */
export const DEFAULT_PIPELINE_NAME = 'Sales';
export const DEFAULT_STAGES: StageInput[] = [
  { name: 'Prospecting', probability: 10, forecastCategory: 'PIPELINE' },
  { name: 'Qualification', probability: 20, forecastCategory: 'PIPELINE' },
  { name: 'Proposal', probability: 50, forecastCategory: 'BEST_CASE' },
  { name: 'Negotiation', probability: 80, forecastCategory: 'COMMIT' },
  { name: 'Closed Won', probability: 100, forecastCategory: 'CLOSED_WON' },
  { name: 'Closed Lost', probability: 0, forecastCategory: 'CLOSED_LOST' },
];

export function isClosedCategory(category: ForecastCategory): boolean {
  return category === 'CLOSED_WON' || category === 'CLOSED_LOST';
}

export function validProbability(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 100) throw badUserInput(field, 'must be a whole number from 0 to 100');
  return value;
}

/**
 * Checks a full, ordered stage list. A pipeline needs at least one open stage
 * and exactly one CLOSED_WON (probability 100) and one CLOSED_LOST
 * (probability 0) stage, so closing an opportunity always has a target and
 * forecasts never count a lost deal. Names are unique within the pipeline;
 * ids, when given, must belong to `knownIds` (the pipeline's active stages).
 */
export function validateStages(field: string, stages: StageInput[], knownIds: ReadonlySet<string> = new Set()): ValidStage[] {
  const list = validate.listOf(field, stages, MAX_STAGES);
  const names = new Set<string>();
  const ids = new Set<string>();
  const out = list.map((s, i): ValidStage => {
    const at = `${field}[${i}]`;
    const id = validate.optionalUuid(`${at}.id`, s.id) ?? null;
    if (id && !knownIds.has(id)) throw badUserInput(`${at}.id`, `${id} is not an active stage of this pipeline`);
    if (id && ids.has(id)) throw badUserInput(`${at}.id`, 'the same stage is listed twice');
    if (id) ids.add(id);
    const name = validate.requiredText(`${at}.name`, s.name, 100);
    if (names.has(name.toLowerCase())) throw badUserInput(`${at}.name`, `duplicate stage name ${JSON.stringify(name)}`);
    names.add(name.toLowerCase());
    if (!(FORECAST_CATEGORIES as readonly string[]).includes(s.forecastCategory))
      throw badUserInput(`${at}.forecastCategory`, 'unknown forecast category');
    const probability = validProbability(`${at}.probability`, s.probability);
    if (s.forecastCategory === 'CLOSED_WON' && probability !== 100)
      throw badUserInput(`${at}.probability`, 'a CLOSED_WON stage has probability 100');
    if (s.forecastCategory === 'CLOSED_LOST' && probability !== 0)
      throw badUserInput(`${at}.probability`, 'a CLOSED_LOST stage has probability 0');
    return { id, name, position: i, probability, forecastCategory: s.forecastCategory };
  });
  const count = (c: ForecastCategory) => out.filter((s) => s.forecastCategory === c).length;
  if (count('CLOSED_WON') !== 1) throw badUserInput(field, 'needs exactly one CLOSED_WON stage');
  if (count('CLOSED_LOST') !== 1) throw badUserInput(field, 'needs exactly one CLOSED_LOST stage');
  if (!out.some((s) => !isClosedCategory(s.forecastCategory))) throw badUserInput(field, 'needs at least one open stage');
  return out;
}

/** The stage a new opportunity starts in when none is chosen: the first open one. */
export function firstOpenStage<T extends { forecastCategory: ForecastCategory; position: number }>(stages: T[]): T | undefined {
  return [...stages].sort((a, b) => a.position - b.position).find((s) => !isClosedCategory(s.forecastCategory));
}

/** The stage closing moves an opportunity to. */
export function closedStage<T extends { forecastCategory: ForecastCategory }>(stages: T[], won: boolean): T | undefined {
  return stages.find((s) => s.forecastCategory === (won ? 'CLOSED_WON' : 'CLOSED_LOST'));
}
