import { badUserInput } from '@rapport/auth';
import { e164, phoneDefaultProblem } from '@rapport/service-kit';

/**
 * Tenant-configurable duplicate matching, stored as JSON in
 * `duplicate_rules`. Every enabled rule that matches a candidate contributes
 * its weight; the candidate's score is, per `scoring`:
 *  - MAX: the largest weight among the matched rules (default), or
 *  - WEIGHTED_SUM: the sum of the matched weights, capped at 1.
 * Candidates scoring below `minScore` are not reported. `policy` decides what
 * create and import do with candidates: BLOCK refuses (CONFLICT, candidates in
 * extensions), WARN creates and returns them, ALLOW creates silently.
 */
export type DuplicateRuleType = 'EXACT_EMAIL' | 'NORMALISED_PHONE' | 'FUZZY_NAME';
export type DuplicatePolicy = 'BLOCK' | 'WARN' | 'ALLOW';
export type DuplicateScoring = 'MAX' | 'WEIGHTED_SUM';

export interface DuplicateRule {
  type: DuplicateRuleType;
  /** Contribution to the score, in (0, 1]. */
  weight: number;
  /** FUZZY_NAME only: pg_trgm similarity both the full name and (when both sides have one) the account name must reach, in (0, 1]. */
  threshold?: number | null;
}

export interface DuplicateRuleConfig {
  rules: DuplicateRule[];
  scoring: DuplicateScoring;
  policy: DuplicatePolicy;
  minScore: number;
  /**
   * The tenant's default for phone numbers written without a country code,
   * an ISO 3166-1 country ("DE") or a calling code ("+49"): every phone
   * written (contacts, leads, import, duplicate probes) is read in it and
   * stored in E.164, and NORMALISED_PHONE compares those.
   */
  defaultCountryCode: string | null;
}

export const DEFAULT_DUPLICATE_RULES: DuplicateRuleConfig = {
  rules: [
    { type: 'EXACT_EMAIL', weight: 1 },
    { type: 'NORMALISED_PHONE', weight: 0.8 },
    { type: 'FUZZY_NAME', weight: 0.6, threshold: 0.6 },
  ],
  scoring: 'MAX',
  policy: 'WARN',
  minScore: 0,
  defaultCountryCode: null,
};

const TYPES: readonly DuplicateRuleType[] = ['EXACT_EMAIL', 'NORMALISED_PHONE', 'FUZZY_NAME'];
const POLICIES: readonly DuplicatePolicy[] = ['BLOCK', 'WARN', 'ALLOW'];
const SCORINGS: readonly DuplicateScoring[] = ['MAX', 'WEIGHTED_SUM'];

const unit = (field: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1) throw badUserInput(field, 'must be a number in (0, 1]');
  return v;
};

/** Validates a rule set as given to setDuplicateRules; omitted settings take the defaults. */
export function validateDuplicateRules(input: Partial<DuplicateRuleConfig> & { rules?: DuplicateRule[] | null }): DuplicateRuleConfig {
  const rules = input.rules ?? DEFAULT_DUPLICATE_RULES.rules;
  if (rules.length > TYPES.length) throw badUserInput('rules', `at most ${TYPES.length} rules, one per type`);
  const seen = new Set<DuplicateRuleType>();
  const validated = rules.map((r, i) => {
    if (!TYPES.includes(r.type)) throw badUserInput(`rules[${i}].type`, `must be one of ${TYPES.join(', ')}`);
    if (seen.has(r.type)) throw badUserInput(`rules[${i}].type`, `${r.type} appears twice`);
    seen.add(r.type);
    const rule: DuplicateRule = { type: r.type, weight: unit(`rules[${i}].weight`, r.weight) };
    if (r.type === 'FUZZY_NAME') rule.threshold = unit(`rules[${i}].threshold`, r.threshold ?? 0.6);
    else if (r.threshold != null) throw badUserInput(`rules[${i}].threshold`, 'only FUZZY_NAME takes a threshold');
    return rule;
  });
  const policy = input.policy ?? DEFAULT_DUPLICATE_RULES.policy;
  if (!POLICIES.includes(policy)) throw badUserInput('policy', `must be one of ${POLICIES.join(', ')}`);
  const scoring = input.scoring ?? DEFAULT_DUPLICATE_RULES.scoring;
  if (!SCORINGS.includes(scoring)) throw badUserInput('scoring', `must be one of ${SCORINGS.join(', ')}`);
  const minScore = input.minScore ?? 0;
  if (typeof minScore !== 'number' || !(minScore >= 0 && minScore <= 1)) throw badUserInput('minScore', 'must be a number in [0, 1]');
  const cc = input.defaultCountryCode?.trim().toUpperCase() || null;
  const problem = cc === null ? null : phoneDefaultProblem(cc);
  if (problem) throw badUserInput('defaultCountryCode', problem);
  return { rules: validated, scoring, policy, minScore, defaultCountryCode: cc };
}

/**
 * The comparable key of a phone number: its E.164 form (libphonenumber-js,
 * read in the tenant default), or for a stored value that is no valid number
 * its digits with a leading + kept (the form sales_phone_keys indexes).
 */
export function phoneKey(phone: string, defaultCountryCode: string | null = null): string {
  return e164(phone, defaultCountryCode) ?? (phone.trim().startsWith('+') ? '+' : '') + phone.replace(/[^0-9]/g, '');
}

/**
 * A probe's candidates (id → the rule types it matched) ranked: each scored
 * per the config with its rules strongest first, below minScore dropped,
 * best first (ties by id). Contacts and accounts rank alike. A rule set has
 * few combinations of rules, so each combination is scored once per call
 * (an import ranks about a hundred thousand candidates a batch), and ids are
 * compared by one collator, which orders exactly as `localeCompare` does.
 */
export function rankCandidates<T extends string>(
  config: { rules: readonly { type: T; weight: number }[]; scoring: DuplicateScoring; minScore: number },
  matches: ReadonlyMap<string, ReadonlySet<T>>,
): { id: string; score: number; rule: T; rules: T[] }[] {
  const combinations = new Map<string, { score: number; rules: T[] }>();
  const ranked: { id: string; score: number; rule: T; rules: T[] }[] = [];
  for (const [id, set] of matches) {
    const key = set.size === 1 ? (set.values().next().value as T) : [...set].sort().join(',');
    let combination = combinations.get(key);
    if (!combination) {
      const rules = config.rules
        .filter((r) => set.has(r.type))
        .sort((a, b) => b.weight - a.weight)
        .map((r) => r.type);
      combination = { score: scoreOf(config, rules), rules };
      combinations.set(key, combination);
    }
    if (combination.score >= config.minScore)
      ranked.push({ id, score: combination.score, rule: combination.rules[0], rules: [...combination.rules] });
  }
  return ranked.sort((a, b) => b.score - a.score || byId.compare(a.id, b.id));
}

/** `localeCompare` without arguments is this collator's compare (ECMA-402), without building one per call. */
const byId = new Intl.Collator();

/** Score of a candidate from the rules it matched, per the configured scoring. */
export function scoreOf<T extends string>(
  config: { rules: readonly { type: T; weight: number }[]; scoring: DuplicateScoring },
  matched: readonly T[],
): number {
  const weights = config.rules.filter((r) => matched.includes(r.type)).map((r) => r.weight);
  if (weights.length === 0) return 0;
  const score =
    config.scoring === 'MAX'
      ? Math.max(...weights)
      : Math.min(
          1,
          weights.reduce((a, b) => a + b, 0),
        );
  return Math.round(score * 1000) / 1000;
}
