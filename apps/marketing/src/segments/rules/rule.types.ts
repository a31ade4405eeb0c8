// The rule language as plain JSON: what a front end builds, what is stored,
// and what the validator and compiler accept. See README.md in this folder.

import type { FieldCatalog } from './field-catalog';

export const OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'in',
  'notIn',
  'contains',
  'startsWith',
  'endsWith',
  'isSet',
  'isNotSet',
  'withinLast',
  'notWithinLast',
] as const;

export type Operator = (typeof OPERATORS)[number];

/** A moment relative to the compile-time `now`, usable wherever a date is expected. */
export type RelativeDate = { daysAgo: number } | { hoursAgo: number };

/** A span back from `now`, for withinLast / notWithinLast and windows. */
export type Duration = { days: number } | { hours: number };

export type ScalarValue = string | number | boolean;

export type ConditionValue = ScalarValue | RelativeDate | Duration | readonly (ScalarValue | RelativeDate)[];

/** `{ "field": "tier", "op": "gte", "value": "gold" }`; `window` only on fields that count over a period. */
export interface Condition {
  field: string;
  op: Operator;
  value?: ConditionValue | null;
  window?: Duration;
}

export interface AllOf {
  and: Rule[];
}

export interface AnyOf {
  or: Rule[];
}

export interface Not {
  not: Rule;
}

export type Rule = AllOf | AnyOf | Not | Condition;

export type RuleErrorCode =
  | 'INVALID_NODE'
  | 'UNKNOWN_KEY'
  | 'EMPTY_GROUP'
  | 'UNKNOWN_FIELD'
  | 'FIELD_NOT_AVAILABLE'
  | 'UNKNOWN_OPERATOR'
  | 'OPERATOR_NOT_ALLOWED'
  | 'MISSING_VALUE'
  | 'UNEXPECTED_VALUE'
  | 'INVALID_VALUE'
  | 'ENUM_VALUE'
  | 'INVALID_DATE'
  | 'MISSING_CONTEXT'
  | 'TOO_DEEP'
  | 'TOO_MANY_NODES'
  | 'LIST_TOO_LONG'
  | 'STRING_TOO_LONG'
  | 'TOO_MANY_ERRORS';

/** One problem, with the JSON path of the bad part, e.g. `rule.and[2].value`. */
export interface RuleError {
  path: string;
  code: RuleErrorCode;
  message: string;
}

/** Thrown by compileRule / ruleColumns for a rule that does not validate; carries every error. */
export class RuleValidationError extends Error {
  constructor(readonly errors: readonly RuleError[]) {
    super(`invalid rule: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    this.name = 'RuleValidationError';
  }
}

export interface RuleLimits {
  maxDepth: number;
  maxNodes: number;
  maxListLength: number;
  maxStringLength: number;
}

export const DEFAULT_LIMITS: RuleLimits = { maxDepth: 12, maxNodes: 500, maxListLength: 1000, maxStringLength: 1000 };

/** An RFM segment of the tenant's scheme: rules may name it by key or by name. */
export interface RfmSegmentOption {
  key: string;
  name: string;
}

/** What validation needs to know about the tenant and the place the rule is used. */
export interface RuleSchemaOptions {
  /** `journey` also allows `event.<path>` and `ordersSinceEntry`. Default `segment`. */
  scope?: 'segment' | 'journey';
  /** The tenant's value tiers, best first, e.g. ['platinum', 'gold', 'silver', 'bronze']. Needed for tier gt/gte/lt/lte/between. */
  tierOrder?: readonly string[];
  /** The tenant's RFM segments; when given, rfmSegment values are checked against them and matched by key (indexable). */
  rfmSegments?: readonly RfmSegmentOption[];
  /** Defaults to DEFAULT_CATALOG. */
  catalog?: FieldCatalog;
  limits?: Partial<RuleLimits>;
  /** Prefix of every error path. Default `rule`. */
  rootPath?: string;
}

export interface CompileOptions extends RuleSchemaOptions {
  /** The instant relative dates are resolved against. */
  now: Date;
  /** Placeholders already used by the enclosing query: the first parameter is $(paramOffset + 1). Default 0. */
  paramOffset?: number;
  /** IANA zone for calendar dates ('2026-01-31' is that day there) and day arithmetic. Default UTC. */
  timeZone?: string;
  /** For journey conditions: the triggering event's data and when the contact entered the journey. */
  journey?: { event: Record<string, unknown>; entryAt: Date };
}

export type SqlParam = string | number | boolean | readonly (string | number)[];

/** A boolean SQL expression over `contacts c` and its $n parameters. */
export interface CompiledRule {
  sql: string;
  params: SqlParam[];
}
