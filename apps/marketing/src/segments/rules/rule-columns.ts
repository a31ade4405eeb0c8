// The columns a rule reads, so the read model can be indexed for the rules
// tenants actually write.

import type { CheckedRule } from './checked-rule';
import { checkRule } from './validate-rule';
import { RuleValidationError, type RuleSchemaOptions } from './rule.types';

export interface ColumnUse {
  table: string;
  column: string;
  /** For a jsonb column read by key, e.g. attributes.offer_sent → "offer_sent". */
  jsonKey?: string;
}

/** Distinct columns the rule touches, sorted by table, column and key; throws RuleValidationError for an invalid rule. */
export function ruleColumns(input: unknown, schema: RuleSchemaOptions = {}): ColumnUse[] {
  const { errors, checked } = checkRule(input, schema);
  if (!checked) throw new RuleValidationError(errors);
  const found = new Map<string, ColumnUse>();
  collect(checked, found);
  return [...found.values()].sort(
    (a, b) => a.table.localeCompare(b.table) || a.column.localeCompare(b.column) || (a.jsonKey ?? '').localeCompare(b.jsonKey ?? ''),
  );
}

function collect(node: CheckedRule, found: Map<string, ColumnUse>): void {
  if (node.kind === 'not') return collect(node.child, found);
  if (node.kind !== 'condition') return node.children.forEach((child) => collect(child, found));
  const def = node.field.def;
  const uses: ColumnUse[] =
    def.type === 'json'
      ? def.column && def.keyStyle === 'key'
        ? [{ ...def.column, jsonKey: node.field.key }]
        : def.column
          ? [def.column]
          : []
      : [...def.columns];
  for (const use of uses) found.set(`${use.table}\u0000${use.column}\u0000${use.jsonKey ?? ''}`, use);
}
