// A rule after validation: fields resolved against the catalog, values
// checked and normalised (enum spellings to stored values, ordered enum
// comparisons to the set of values they mean). The compiler reads only this.

import type { FieldDefinition, JsonFieldFamily } from './field-catalog';
import type { DateValue, DurationValue } from './rule-dates';
import type { Operator, RuleError, RuleErrorCode, RuleLimits, RuleSchemaOptions } from './rule.types';

export type CheckedValue =
  | { kind: 'none' }
  | { kind: 'text'; value: string }
  | { kind: 'texts'; values: string[] }
  | { kind: 'number'; value: number | string }
  | { kind: 'numbers'; values: (number | string)[] }
  | { kind: 'numberRange'; lo: number | string; hi: number | string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; value: DateValue }
  | { kind: 'dateRange'; lo: DateValue; hi: DateValue }
  | { kind: 'duration'; value: DurationValue };

export interface ResolvedField {
  name: string;
  def: FieldDefinition | JsonFieldFamily;
  /** The part after a json family's prefix, e.g. `offer_sent` of `attributes.offer_sent`. */
  key?: string;
}

export interface CheckedCondition {
  kind: 'condition';
  field: ResolvedField;
  op: Operator;
  value: CheckedValue;
  window?: DurationValue;
  /** An enum whose options were not known: values are matched case- and separator-insensitively. */
  open?: boolean;
}

export type CheckedRule = { kind: 'and' | 'or'; children: CheckedRule[] } | { kind: 'not'; child: CheckedRule } | CheckedCondition;

/** What value checks share: the limits, the schema options and where errors go. */
export interface CheckContext {
  limits: RuleLimits;
  schema: RuleSchemaOptions;
  report(path: string, code: RuleErrorCode, message: string): void;
  errors: RuleError[];
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `path.key`, or `path["odd key"]` when the key is not an identifier. */
export function member(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}
