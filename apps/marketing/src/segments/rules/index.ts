// The segment rule language: JSON rules over marketing's contact read model,
// validated with pointed errors and compiled to one parameterised SQL boolean.
// See README.md in this folder.

export { compileRule } from './compile-rule';
export { parseRule, validateRule } from './validate-rule';
export { ruleColumns } from './rule-columns';
export type { ColumnUse } from './rule-columns';
export { DEFAULT_CATALOG, DEFAULT_FIELDS, DEFAULT_FAMILIES } from './default-catalog';
export { createCatalog, extendCatalog, fieldOperators, TYPE_OPERATORS } from './field-catalog';
export type {
  BooleanField,
  ColumnRef,
  DateField,
  EnumField,
  EnumOption,
  FieldCatalog,
  FieldDefinition,
  FieldType,
  IdSetField,
  JsonFieldFamily,
  NumberField,
  TextArrayField,
  TextField,
  UuidField,
} from './field-catalog';
export { DEFAULT_LIMITS, OPERATORS, RuleValidationError } from './rule.types';
export type {
  AllOf,
  AnyOf,
  CompiledRule,
  CompileOptions,
  Condition,
  ConditionValue,
  Duration,
  Not,
  Operator,
  RelativeDate,
  RfmSegmentOption,
  Rule,
  RuleError,
  RuleErrorCode,
  RuleLimits,
  RuleSchemaOptions,
  ScalarValue,
  SqlParam,
} from './rule.types';
