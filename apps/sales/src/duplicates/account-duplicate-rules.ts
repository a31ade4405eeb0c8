import { badUserInput } from '@rapport/auth';
import type { DuplicatePolicy, DuplicateScoring } from './duplicate-rules';

/**
 * Tenant-configurable account matching, stored next to the contact
 * rules in `duplicate_rules.account_config`; scored and applied like them
 * (see duplicate-rules.ts):
 *  - NORMALISED_NAME: equal names once lower-cased, punctuation dropped and
 *    legal forms stripped ("ACME, Inc." = "Acme Ltd" = "acme"), by the SQL
 *    function sales_account_name_key;
 *  - DOMAIN: the website domain (www. ignored) equals the candidate's, or an
 *    email domain of the probe does (free-mail domains never count);
 *  - FUZZY_NAME: pg_trgm similarity of the normalised names at or above the threshold.
 */
export type AccountDuplicateRuleType = 'NORMALISED_NAME' | 'DOMAIN' | 'FUZZY_NAME';

export interface AccountDuplicateRule {
  type: AccountDuplicateRuleType;
  /** Contribution to the score, in (0, 1]. */
  weight: number;
  /** FUZZY_NAME only: minimum pg_trgm similarity of the normalised names, in (0, 1]. */
  threshold?: number | null;
}

export interface AccountDuplicateRuleConfig {
  rules: AccountDuplicateRule[];
  scoring: DuplicateScoring;
  policy: DuplicatePolicy;
  minScore: number;
}

export const DEFAULT_ACCOUNT_DUPLICATE_RULES: AccountDuplicateRuleConfig = {
  rules: [
    { type: 'DOMAIN', weight: 1 },
    { type: 'NORMALISED_NAME', weight: 0.9 },
    { type: 'FUZZY_NAME', weight: 0.6, threshold: 0.6 },
  ],
  scoring: 'MAX',
  policy: 'WARN',
  minScore: 0,
};

const TYPES: readonly AccountDuplicateRuleType[] = ['NORMALISED_NAME', 'DOMAIN', 'FUZZY_NAME'];
const POLICIES: readonly DuplicatePolicy[] = ['BLOCK', 'WARN', 'ALLOW'];
const SCORINGS: readonly DuplicateScoring[] = ['MAX', 'WEIGHTED_SUM'];

const unit = (field: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1) throw badUserInput(field, 'must be a number in (0, 1]');
  return v;
};

/** Validates a rule set as given to setAccountDuplicateRules; omitted settings take the defaults. */
export function validateAccountDuplicateRules(
  input: Partial<AccountDuplicateRuleConfig> & { rules?: AccountDuplicateRule[] | null },
): AccountDuplicateRuleConfig {
  const rules = input.rules ?? DEFAULT_ACCOUNT_DUPLICATE_RULES.rules;
  if (rules.length > TYPES.length) throw badUserInput('rules', `at most ${TYPES.length} rules, one per type`);
  const seen = new Set<AccountDuplicateRuleType>();
  const validated = rules.map((r, i) => {
    if (!TYPES.includes(r.type)) throw badUserInput(`rules[${i}].type`, `must be one of ${TYPES.join(', ')}`);
    if (seen.has(r.type)) throw badUserInput(`rules[${i}].type`, `${r.type} appears twice`);
    seen.add(r.type);
    const rule: AccountDuplicateRule = { type: r.type, weight: unit(`rules[${i}].weight`, r.weight) };
    if (r.type === 'FUZZY_NAME') rule.threshold = unit(`rules[${i}].threshold`, r.threshold ?? 0.6);
    else if (r.threshold != null) throw badUserInput(`rules[${i}].threshold`, 'only FUZZY_NAME takes a threshold');
    return rule;
  });
  const policy = input.policy ?? DEFAULT_ACCOUNT_DUPLICATE_RULES.policy;
  if (!POLICIES.includes(policy)) throw badUserInput('policy', `must be one of ${POLICIES.join(', ')}`);
  const scoring = input.scoring ?? DEFAULT_ACCOUNT_DUPLICATE_RULES.scoring;
  if (!SCORINGS.includes(scoring)) throw badUserInput('scoring', `must be one of ${SCORINGS.join(', ')}`);
  const minScore = input.minScore ?? 0;
  if (typeof minScore !== 'number' || !(minScore >= 0 && minScore <= 1)) throw badUserInput('minScore', 'must be a number in [0, 1]');
  return { rules: validated, scoring, policy, minScore };
}

/** Mail providers whose domain says nothing about the company a person works for. */
const FREE_MAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.uk',
  'yahoo.de',
  'yahoo.fr',
  'ymail.com',
  'hotmail.com',
  'hotmail.co.uk',
  'hotmail.de',
  'hotmail.fr',
  'outlook.com',
  'outlook.de',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'gmx.de',
  'gmx.net',
  'gmx.at',
  'web.de',
  't-online.de',
  'freenet.de',
  'mail.ru',
  'yandex.ru',
  'yandex.com',
  'proton.me',
  'protonmail.com',
  'zoho.com',
  'qq.com',
  '163.com',
  'orange.fr',
  'free.fr',
  'libero.it',
]);

/** The comparable form of a web domain: lower-case, without a leading www. Mirrors the SQL function sales_domain_key. */
export function domainKey(domain: string): string {
  return domain.toLowerCase().replace(/^www\./, '');
}

/** The domains a probe is matched by: its website domain, and its emails' domains unless they are free-mail providers. */
export function probeDomains(domain: string | null | undefined, emails: readonly string[] | null | undefined): string[] {
  const out = new Set<string>();
  if (domain) out.add(domainKey(domain));
  for (const email of emails ?? []) {
    const d = email.split('@')[1]?.trim();
    if (d && !FREE_MAIL.has(domainKey(d))) out.add(domainKey(d));
  }
  return [...out];
}
