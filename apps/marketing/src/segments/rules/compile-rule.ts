// A rule → one parameterised SQL boolean over `contacts c`.
//
// Two-valued logic: SQL's NULL ("unknown") never leaks into a rule's meaning.
// A positive condition on a missing value is false; and/or only combine, so
// NULL behaves as false there; only negation could turn an unknown into a
// match or hide one, so every `not` (and every ne / notIn / notWithinLast /
// isNotSet, which are `not` of eq / in / withinLast / isSet) wraps what can be
// NULL in coalesce(…, false). `not X` is therefore exactly "X does not match".

import type { CheckedRule } from './checked-rule';
import { compileCondition, type Fragment, type PositiveOperator } from './compile-condition';
import { checkZone } from './rule-dates';
import { SqlContext } from './sql-context';
import { checkRule } from './validate-rule';
import { RuleValidationError, type CompiledRule, type CompileOptions, type Operator } from './rule.types';

const COMPLEMENT: Readonly<Partial<Record<Operator, PositiveOperator>>> = {
  ne: 'eq',
  notIn: 'in',
  notWithinLast: 'withinLast',
  isNotSet: 'isSet',
};

/**
 * Validates and compiles a rule (throws RuleValidationError with every
 * problem). The result is a boolean expression to put after WHERE or AND; a
 * non-matching row may evaluate to NULL rather than false, so when selecting
 * it as a value use `coalesce(<sql>, false)`.
 */
export function compileRule(input: unknown, options: CompileOptions): CompiledRule {
  const offset = options.paramOffset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new Error('compileRule: paramOffset must be a whole number ≥ 0');
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) throw new Error('compileRule: now must be a valid Date');
  if (options.journey) {
    const { entryAt, event } = options.journey;
    if (!(entryAt instanceof Date) || Number.isNaN(entryAt.getTime())) throw new Error('compileRule: journey.entryAt must be a valid Date');
    if (typeof event !== 'object' || event === null || Array.isArray(event))
      throw new Error('compileRule: journey.event must be an object');
  }
  const zone = options.timeZone ?? 'UTC';
  checkZone(zone);
  const { errors, checked } = checkRule(input, options);
  if (!checked) throw new RuleValidationError(errors);
  const ctx = new SqlContext(offset, { now: options.now, zone }, options.journey);
  return { sql: compileNode(checked, ctx).sql, params: ctx.params };
}

function negate(inner: Fragment): Fragment {
  return { sql: inner.nullable ? `(NOT coalesce(${inner.sql}, false))` : `(NOT ${inner.sql})`, nullable: false };
}

function compileNode(node: CheckedRule, ctx: SqlContext): Fragment {
  switch (node.kind) {
    case 'and':
    case 'or': {
      const parts = node.children.map((child) => compileNode(child, ctx));
      if (parts.length === 1) return parts[0];
      const joiner = node.kind === 'and' ? ' AND ' : ' OR ';
      return { sql: `(${parts.map((p) => p.sql).join(joiner)})`, nullable: parts.some((p) => p.nullable) };
    }
    case 'not':
      return negate(compileNode(node.child, ctx));
    case 'condition': {
      const positive = COMPLEMENT[node.op];
      if (positive) return negate(compileCondition({ ...node, op: positive }, ctx));
      return compileCondition({ ...node, op: node.op as PositiveOperator }, ctx);
    }
  }
}
