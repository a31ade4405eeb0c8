import { badUserInput } from '@rapport/auth';
import { ACTIVITY_TYPES, type ActivityType } from '../activities/activity-rules';

/** Lead fields rules may look at (values compared case-insensitively, trimmed). */
export const LEAD_RULE_FIELDS = ['FIRST_NAME', 'LAST_NAME', 'COMPANY', 'EMAIL', 'PHONE', 'SOURCE', 'STATUS'] as const;
export type LeadRuleField = (typeof LEAD_RULE_FIELDS)[number];

export type LeadFacts = Record<LeadRuleField, string | null>;

/** What rules see of a lead. */
export function leadFacts(lead: {
  firstName: string | null;
  lastName: string;
  company: string | null;
  email: string | null;
  phone: string | null;
  source: string | null;
  status: string;
}): LeadFacts {
  return {
    FIRST_NAME: lead.firstName,
    LAST_NAME: lead.lastName,
    COMPANY: lead.company,
    EMAIL: lead.email,
    PHONE: lead.phone,
    SOURCE: lead.source,
    STATUS: lead.status,
  };
}

export type ScoringRule =
  | { kind: 'FIELD_EQUALS'; field: LeadRuleField; value: string; points: number }
  | { kind: 'FIELD_PRESENT'; field: LeadRuleField; points: number }
  | { kind: 'EMAIL_DOMAIN_IN'; domains: string[]; points: number }
  | { kind: 'ACTIVITY_COUNT'; activityType: ActivityType; completedOnly: boolean; points: number; maxPoints: number | null };

export interface AssignmentRule {
  field: LeadRuleField;
  value: string;
  ownerId: string;
}

export interface AssignmentRules {
  /** First match wins. */
  rules: AssignmentRule[];
  /** When no rule matches: round-robin among these users (in this order); none = leave unassigned. */
  roundRobinUserIds: string[];
}

/** Per activity type: how many the lead has, and how many of those are completed. */
export type ActivityCounts = Partial<Record<ActivityType, { total: number; completed: number }>>;

export const MIN_SCORE = 0;
export const MAX_SCORE = 100;
const MAX_RULES = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

const norm = (v: string | null | undefined) => (v == null ? null : v.trim().toLowerCase() || null);

/** Sum of the matching rules' points, clamped to the lead score range 0–100. */
export function evaluateScore(rules: ScoringRule[], lead: LeadFacts, activities: ActivityCounts): number {
  let score = 0;
  for (const rule of rules) {
    switch (rule.kind) {
      case 'FIELD_EQUALS':
        if (norm(lead[rule.field]) === norm(rule.value)) score += rule.points;
        break;
      case 'FIELD_PRESENT':
        if (norm(lead[rule.field]) !== null) score += rule.points;
        break;
      case 'EMAIL_DOMAIN_IN': {
        const domain = norm(lead.EMAIL)?.split('@')[1] ?? null;
        if (domain && rule.domains.includes(domain)) score += rule.points;
        break;
      }
      case 'ACTIVITY_COUNT': {
        const counts = activities[rule.activityType];
        const n = counts ? (rule.completedOnly ? counts.completed : counts.total) : 0;
        const points = n * rule.points;
        score += rule.maxPoints === null ? points : Math.sign(points) * Math.min(Math.abs(points), rule.maxPoints);
        break;
      }
    }
  }
  return Math.max(MIN_SCORE, Math.min(MAX_SCORE, score));
}

/** The owner the first matching rule names, else the round-robin user at `position` (0-based, any size), else null. */
export function matchAssignmentRule(rules: AssignmentRule[], lead: LeadFacts): string | null {
  return rules.find((r) => norm(lead[r.field]) === norm(r.value))?.ownerId ?? null;
}

export function roundRobinPick(userIds: string[], position: number): string | null {
  if (userIds.length === 0) return null;
  return userIds[((position % userIds.length) + userIds.length) % userIds.length];
}

/** GraphQL input of one scoring rule (one shape for all kinds; the kind decides which fields apply). */
export interface ScoringRuleInput {
  kind: string;
  field?: string | null;
  value?: string | null;
  domains?: string[] | null;
  activityType?: string | null;
  completedOnly?: boolean | null;
  points: number;
  maxPoints?: number | null;
}

/** Validates scoring rules; every error names the bad part, e.g. `rules[2].domains[0]`. Also reads rules back from JSON. */
export function parseScoringRules(input: unknown, root = 'rules'): ScoringRule[] {
  if (!Array.isArray(input)) throw badUserInput(root, 'must be a list of rules');
  if (input.length > MAX_RULES) throw badUserInput(root, `at most ${MAX_RULES} rules`);
  return input.map((raw: unknown, i) => {
    const at = `${root}[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw badUserInput(at, 'must be an object');
    const r = raw as ScoringRuleInput;
    const points = integer(`${at}.points`, r.points, -100, 100);
    switch (r.kind) {
      case 'FIELD_EQUALS':
        return { kind: r.kind, field: field(`${at}.field`, r.field), value: nonEmpty(`${at}.value`, r.value), points };
      case 'FIELD_PRESENT':
        return { kind: r.kind, field: field(`${at}.field`, r.field), points };
      case 'EMAIL_DOMAIN_IN': {
        if (!Array.isArray(r.domains) || r.domains.length === 0) throw badUserInput(`${at}.domains`, 'needs at least one domain');
        const domains = r.domains.map((d, j) => {
          const v = norm(typeof d === 'string' ? d : null);
          if (!v || !DOMAIN.test(v)) throw badUserInput(`${at}.domains[${j}]`, `${JSON.stringify(d)} is not a domain name`);
          return v;
        });
        return { kind: r.kind, domains, points };
      }
      case 'ACTIVITY_COUNT': {
        if (!ACTIVITY_TYPES.includes(r.activityType as ActivityType)) {
          throw badUserInput(`${at}.activityType`, `must be one of ${ACTIVITY_TYPES.join(', ')}`);
        }
        const maxPoints = r.maxPoints == null ? null : integer(`${at}.maxPoints`, r.maxPoints, 0, 100);
        return { kind: r.kind, activityType: r.activityType as ActivityType, completedOnly: r.completedOnly ?? true, points, maxPoints };
      }
      default:
        throw badUserInput(`${at}.kind`, 'must be FIELD_EQUALS, FIELD_PRESENT, EMAIL_DOMAIN_IN or ACTIVITY_COUNT');
    }
  });
}

/** Validates assignment rules; errors name the bad part, e.g. `rules[0].ownerId` or `roundRobinUserIds[1]`. */
export function parseAssignmentRules(input: unknown): AssignmentRules {
  if (typeof input !== 'object' || input === null) throw badUserInput('input', 'must be an object');
  const { rules, roundRobinUserIds } = input as { rules?: unknown; roundRobinUserIds?: unknown };
  const ruleList = rules ?? [];
  if (!Array.isArray(ruleList)) throw badUserInput('rules', 'must be a list');
  if (ruleList.length > MAX_RULES) throw badUserInput('rules', `at most ${MAX_RULES} rules`);
  const users = roundRobinUserIds ?? [];
  if (!Array.isArray(users)) throw badUserInput('roundRobinUserIds', 'must be a list');
  if (users.length > 100) throw badUserInput('roundRobinUserIds', 'at most 100 users');
  const parsedUsers = users.map((u: unknown, i) => uuid(`roundRobinUserIds[${i}]`, u));
  if (new Set(parsedUsers).size !== parsedUsers.length) throw badUserInput('roundRobinUserIds', 'lists a user twice');
  return {
    rules: ruleList.map((raw: unknown, i) => {
      const at = `rules[${i}]`;
      if (typeof raw !== 'object' || raw === null) throw badUserInput(at, 'must be an object');
      const r = raw as { field?: unknown; value?: unknown; ownerId?: unknown };
      return { field: field(`${at}.field`, r.field), value: nonEmpty(`${at}.value`, r.value), ownerId: uuid(`${at}.ownerId`, r.ownerId) };
    }),
    roundRobinUserIds: parsedUsers,
  };
}

function field(at: string, v: unknown): LeadRuleField {
  if (!LEAD_RULE_FIELDS.includes(v as LeadRuleField)) throw badUserInput(at, `must be one of ${LEAD_RULE_FIELDS.join(', ')}`);
  return v as LeadRuleField;
}

function nonEmpty(at: string, v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') throw badUserInput(at, 'must not be empty');
  if (v.length > 200) throw badUserInput(at, 'at most 200 characters');
  return v.trim();
}

function integer(at: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw badUserInput(at, `must be a whole number from ${min} to ${max}`);
  return v;
}

function uuid(at: string, v: unknown): string {
  if (typeof v !== 'string' || !UUID.test(v)) throw badUserInput(at, 'must be a UUID');
  return v.toLowerCase();
}
