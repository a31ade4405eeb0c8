// Validation of a rule as it arrives (unknown JSON): shape, limits, fields,
// operators and values, collecting every error with the path of the bad part.

import { index, member, type CheckContext, type CheckedCondition, type CheckedRule } from './checked-rule';
import { checkConditionValue } from './condition-values';
import { DEFAULT_CATALOG } from './default-catalog';
import { fieldOperators, type FieldCatalog, type FieldType } from './field-catalog';
import { lookupField } from './field-lookup';
import { closest, didYouMean, quote } from './suggest';
import { checkDuration, describe, isPlainObject } from './value-checks';
import { DEFAULT_LIMITS, OPERATORS, type Operator, type Rule, type RuleError, type RuleSchemaOptions } from './rule.types';

/** Past this many errors the rest are summarised: a broken rule of 500 nodes should not produce 500,000 messages. */
const MAX_ERRORS = 100;
const GROUP_KEYS = ['and', 'or', 'not'] as const;
const CONDITION_KEYS = ['field', 'op', 'value', 'window'];
const TYPE_LABELS: Readonly<Record<FieldType, string>> = {
  text: 'text',
  textArray: 'a list of texts',
  enum: 'one of a set of values',
  integer: 'a whole number',
  decimal: 'a number',
  float: 'a number',
  date: 'a date',
  boolean: 'true or false',
  uuid: 'an id',
  idSet: 'membership by ids',
  json: 'typed by the value given',
};
const NODE_SHAPES = '{ "and": [...] }, { "or": [...] }, { "not": rule } or a condition { "field", "op", "value" }';

interface WalkState extends CheckContext {
  catalog: FieldCatalog;
  nodes: number;
  stopped: boolean;
}

const own = (raw: Record<string, unknown>, key: string): unknown => (Object.hasOwn(raw, key) ? raw[key] : undefined);

/** Every error in the rule (empty when it is valid) and, when valid, the checked rule the compiler takes. */
export function checkRule(input: unknown, schema: RuleSchemaOptions = {}): { errors: RuleError[]; checked?: CheckedRule } {
  const errors: RuleError[] = [];
  const root = schema.rootPath ?? 'rule';
  const state: WalkState = {
    limits: { ...DEFAULT_LIMITS, ...schema.limits },
    schema,
    catalog: schema.catalog ?? DEFAULT_CATALOG,
    nodes: 0,
    stopped: false,
    errors,
    report(path, code, message) {
      if (errors.length < MAX_ERRORS) errors.push({ path, code, message });
      else if (errors.length === MAX_ERRORS)
        errors.push({ path: root, code: 'TOO_MANY_ERRORS', message: `more than ${MAX_ERRORS} problems; the rest are not listed` });
    },
  };
  const checked = checkNode(input, root, 1, state);
  return errors.length === 0 && checked ? { errors, checked } : { errors };
}

/** The rule's errors; an empty list means it is valid. */
export function validateRule(input: unknown, schema: RuleSchemaOptions = {}): RuleError[] {
  return checkRule(input, schema).errors;
}

/** The input as a typed Rule (unchanged, ready to store as JSON), or its errors. */
export function parseRule(input: unknown, schema: RuleSchemaOptions = {}): { ok: true; rule: Rule } | { ok: false; errors: RuleError[] } {
  const { errors } = checkRule(input, schema);
  return errors.length === 0 ? { ok: true, rule: input as Rule } : { ok: false, errors };
}

function checkNode(raw: unknown, path: string, depth: number, st: WalkState): CheckedRule | undefined {
  if (st.stopped) return undefined;
  if (++st.nodes > st.limits.maxNodes) {
    st.stopped = true;
    return void st.report(path, 'TOO_MANY_NODES', `a rule has at most ${st.limits.maxNodes} nodes (conditions, and, or, not)`);
  }
  if (depth > st.limits.maxDepth) return void st.report(path, 'TOO_DEEP', `rules nest at most ${st.limits.maxDepth} levels deep`);
  if (!isPlainObject(raw)) return void st.report(path, 'INVALID_NODE', `must be ${NODE_SHAPES}, not ${describe(raw)}`);
  const group = GROUP_KEYS.find((k) => Object.hasOwn(raw, k));
  return group ? checkGroup(raw, group, path, depth, st) : checkCondition(raw, path, st);
}

function checkGroup(raw: Record<string, unknown>, group: (typeof GROUP_KEYS)[number], path: string, depth: number, st: WalkState) {
  let ok = true;
  for (const key of Object.keys(raw).filter((k) => k !== group)) {
    st.report(member(path, key), 'UNKNOWN_KEY', `a node with "${group}" has no other keys (nest a condition inside it instead)`);
    ok = false;
  }
  const at = member(path, group);
  if (group === 'not') {
    const child = checkNode(raw.not, at, depth + 1, st);
    return ok && child ? { kind: 'not' as const, child } : undefined;
  }
  const list = raw[group];
  if (!Array.isArray(list)) return void st.report(at, 'INVALID_NODE', `must be a list of rules, not ${describe(list)}`);
  if (list.length === 0) return void st.report(at, 'EMPTY_GROUP', `an "${group}" needs at least one rule`);
  const children: CheckedRule[] = [];
  for (let i = 0; i < list.length && !st.stopped; i++) {
    const child = checkNode(list[i], index(at, i), depth + 1, st);
    if (child) children.push(child);
    else ok = false;
  }
  return ok && !st.stopped ? { kind: group, children } : undefined;
}

function checkCondition(raw: Record<string, unknown>, path: string, st: WalkState): CheckedCondition | undefined {
  const unknownKeys = Object.keys(raw).filter((k) => !CONDITION_KEYS.includes(k));
  for (const key of unknownKeys)
    st.report(member(path, key), 'UNKNOWN_KEY', `unknown key ${quote(key)}${didYouMean(closest(key, [...CONDITION_KEYS, ...GROUP_KEYS]))}`);
  if (!Object.hasOwn(raw, 'field') && !Object.hasOwn(raw, 'op')) {
    if (unknownKeys.length === 0) st.report(path, 'INVALID_NODE', `must be ${NODE_SHAPES}`);
    return undefined;
  }
  const field = checkFieldName(own(raw, 'field'), member(path, 'field'), st);
  const op = checkOperator(own(raw, 'op'), member(path, 'op'), field, st);
  if (!field || !op) return undefined;
  const value = checkConditionValue(field, op, own(raw, 'value'), member(path, 'value'), st);
  const window = checkWindow(field, own(raw, 'window'), member(path, 'window'), st);
  if (!value || window === null || unknownKeys.length > 0) return undefined;
  return { kind: 'condition', field, op, value: value.value, ...(window ? { window } : {}), ...(value.open ? { open: true } : {}) };
}

function checkFieldName(raw: unknown, path: string, st: WalkState) {
  if (typeof raw !== 'string' || raw.length === 0) return void st.report(path, 'INVALID_VALUE', 'a condition needs a field name');
  if (raw.length > st.limits.maxStringLength) return void st.report(path, 'STRING_TOO_LONG', `is ${raw.length} characters; no field is`);
  const found = lookupField(raw, st.catalog);
  if ('error' in found) return void st.report(path, found.error === 'unknown' ? 'UNKNOWN_FIELD' : 'INVALID_VALUE', found.message);
  if (found.field.def.journeyOnly && st.schema.scope !== 'journey')
    return void st.report(path, 'FIELD_NOT_AVAILABLE', `${quote(raw)} is only available in journey conditions`);
  return found.field;
}

function checkOperator(raw: unknown, path: string, field: ReturnType<typeof checkFieldName>, st: WalkState): Operator | undefined {
  const allowed = field ? fieldOperators(field.def) : OPERATORS;
  if (typeof raw !== 'string' || raw.length === 0)
    return void st.report(path, 'UNKNOWN_OPERATOR', `a condition needs an op: ${allowed.join(', ')}`);
  if (!(OPERATORS as readonly string[]).includes(raw))
    return void st.report(
      path,
      'UNKNOWN_OPERATOR',
      `unknown operator ${quote(raw)}${didYouMean(closest(raw, allowed))}; use one of ${allowed.join(', ')}`,
    );
  const op = raw as Operator;
  if (field && !allowed.includes(op)) {
    const type = TYPE_LABELS[field.def.type];
    return void st.report(path, 'OPERATOR_NOT_ALLOWED', `${field.name} (${type}) does not take ${op}; use one of ${allowed.join(', ')}`);
  }
  return op;
}

/** The window, undefined when there is none, null when it is bad (already reported). */
function checkWindow(field: NonNullable<ReturnType<typeof checkFieldName>>, raw: unknown, path: string, st: WalkState) {
  const def = field.def;
  const takes = def.type === 'idSet' ? (def.windowSql !== undefined ? 'optional' : undefined) : 'window' in def ? def.window : undefined;
  if (raw === undefined || raw === null) {
    if (takes !== 'required') return undefined;
    st.report(path, 'MISSING_VALUE', `${field.name} needs a window, e.g. { "days": 30 }`);
    return null;
  }
  if (!takes) {
    st.report(path, 'UNEXPECTED_VALUE', `${field.name} takes no window`);
    return null;
  }
  return checkDuration(raw, path, st) ?? null;
}
