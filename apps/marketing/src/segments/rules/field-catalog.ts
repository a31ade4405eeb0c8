// What a field is, as data: its SQL (trusted text written here, never from a
// rule), its type and the operators that type allows. The compiler dispatches
// on the type only, so a new field of an existing type is one more entry in a
// catalog (createCatalog / extendCatalog), with no compiler change.

import type { Operator, RuleSchemaOptions } from './rule.types';

/** A column the field reads, for the indexes the read model needs. */
export interface ColumnRef {
  table: string;
  column: string;
}

interface FieldBase {
  description: string;
  /** Narrows the type's operators, e.g. no isSet on a NOT NULL column. */
  ops?: readonly Operator[];
  /** Only in journey conditions (scope `journey`). */
  journeyOnly?: boolean;
  columns: readonly ColumnRef[];
  /** Names people may type for this field; only used for did-you-mean. */
  aliases?: readonly string[];
}

export interface TextField extends FieldBase {
  type: 'text';
  sql: string;
  nullable: boolean;
  /** lower: lower(column) against the lower-cased value; storedLower: the column is lower-case already; exact: as is. */
  caseFold: 'lower' | 'storedLower' | 'exact';
  /** Shape every eq/ne/in/notIn value must have. */
  pattern?: { regex: RegExp; hint: string };
}

export interface TextArrayField extends FieldBase {
  type: 'textArray';
  sql: string;
  caseFold: 'storedLower' | 'exact';
}

export interface EnumOption {
  /** What the column holds. */
  value: string;
  /** Another spelling a rule may use, e.g. an RFM segment's display name. */
  label?: string;
}

export interface EnumField extends FieldBase {
  type: 'enum';
  sql: string;
  nullable: boolean;
  /** Allowed values, lowest first when ordered; a function reads them from the schema options (undefined: not known). */
  options: readonly EnumOption[] | ((schema: RuleSchemaOptions) => readonly EnumOption[] | undefined);
  ordered: boolean;
  /** When the options are not known: columns matched case- and separator-insensitively instead (any of them). */
  openMatchSql?: readonly string[];
  /** The schema option that supplies the values, named in MISSING_CONTEXT errors. */
  optionsFrom?: string;
}

export interface NumberField extends FieldBase {
  type: 'integer' | 'decimal' | 'float';
  /** May use {since} (window start, with `window`) and {entryAt} (journey entry). */
  sql: string;
  nullable: boolean;
  min?: number;
  max?: number;
  /** The condition must carry `window: { days | hours }`, filled into {since}. */
  window?: 'required';
}

export interface DateField extends FieldBase {
  type: 'date';
  sql: string;
  nullable: boolean;
}

export interface BooleanField extends FieldBase {
  type: 'boolean';
  /** A boolean SQL expression. */
  sql: string;
  nullable: boolean;
}

export interface UuidField extends FieldBase {
  type: 'uuid';
  sql: string;
  nullable: boolean;
}

/** Membership in a set of ids, e.g. an EXISTS over a link table: {ids} is the uuid[] parameter. */
export interface IdSetField extends FieldBase {
  type: 'idSet';
  /** Boolean SQL with {ids} and, when windowSql is given, {window}. */
  sql: string;
  /** Inserted at {window} when the condition has a window (uses {since}); '' otherwise. */
  windowSql?: string;
}

export type FieldDefinition = TextField | TextArrayField | EnumField | NumberField | DateField | BooleanField | UuidField | IdSetField;

/** Fields named `<prefix><key>` over a jsonb value, typed by the value the rule gives. */
export interface JsonFieldFamily {
  type: 'json';
  prefix: string;
  description: string;
  journeyOnly?: boolean;
  /** `key`: the suffix is one key (text parameter); `path`: a dotted path (text[] parameter). */
  keyStyle: 'key' | 'path';
  /** A jsonb expression with {key} and, for event data, {event}. */
  sql: string;
  /** A jsonb column tested by containment for number/boolean equality (`column @> '{"key": 3}'`), which a GIN index serves. */
  containmentColumn?: string;
  /** The jsonb column read, if any (event data is a parameter, not a column). */
  column?: ColumnRef;
}

export interface FieldCatalog {
  fields: ReadonlyMap<string, FieldDefinition>;
  families: readonly JsonFieldFamily[];
}

export type FieldType = FieldDefinition['type'] | 'json';

const ORDERED: readonly Operator[] = ['gt', 'gte', 'lt', 'lte', 'between'];
const SET: readonly Operator[] = ['isSet', 'isNotSet'];
const TEXT_MATCH: readonly Operator[] = ['contains', 'startsWith', 'endsWith'];

/** The operators each type allows, before a field narrows them. */
export const TYPE_OPERATORS: Readonly<Record<FieldType, readonly Operator[]>> = {
  text: ['eq', 'ne', 'in', 'notIn', ...TEXT_MATCH, ...SET],
  textArray: ['eq', 'ne', 'in', 'notIn', ...TEXT_MATCH, ...SET],
  enum: ['eq', 'ne', 'in', 'notIn', ...ORDERED, ...SET],
  integer: ['eq', 'ne', ...ORDERED, 'in', 'notIn', ...SET],
  decimal: ['eq', 'ne', ...ORDERED, 'in', 'notIn', ...SET],
  float: ['eq', 'ne', ...ORDERED, 'in', 'notIn', ...SET],
  date: ['eq', 'ne', ...ORDERED, 'withinLast', 'notWithinLast', ...SET],
  boolean: ['eq', 'ne', ...SET],
  uuid: ['eq', 'ne', 'in', 'notIn', ...SET],
  idSet: ['eq', 'ne', 'in', 'notIn'],
  json: ['eq', 'ne', 'in', 'notIn', ...TEXT_MATCH, ...ORDERED, ...SET],
};

/** The operators a field takes, given the options the rule is validated with. */
export function fieldOperators(def: FieldDefinition | JsonFieldFamily): readonly Operator[] {
  const base = TYPE_OPERATORS[def.type];
  if (def.type === 'json') return base;
  const narrowed = def.ops ? base.filter((op) => def.ops?.includes(op)) : base;
  return def.type === 'enum' && !def.ordered ? narrowed.filter((op) => !ORDERED.includes(op)) : narrowed;
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const TOKEN = /\{([A-Za-z]+)\}/g;
const TOKENS_BY_TYPE: Readonly<Record<FieldType, readonly string[]>> = {
  text: ['entryAt'],
  textArray: ['entryAt'],
  enum: ['entryAt'],
  integer: ['since', 'entryAt'],
  decimal: ['since', 'entryAt'],
  float: ['since', 'entryAt'],
  date: ['entryAt'],
  boolean: ['entryAt'],
  uuid: ['entryAt'],
  idSet: ['ids', 'window', 'entryAt'],
  json: ['key', 'event'],
};

/** The placeholders ({name}) a catalog SQL template uses. */
export function templateTokens(sql: string): string[] {
  return [...sql.matchAll(TOKEN)].map((m) => m[1]);
}

function checkTemplate(where: string, sql: string, allowed: readonly string[], required: readonly string[]): void {
  const used = templateTokens(sql);
  const unknown = used.filter((t) => !allowed.includes(t));
  if (unknown.length > 0) throw new Error(`field catalog: ${where} uses unknown placeholder {${unknown[0]}}`);
  const missing = required.filter((t) => !used.includes(t));
  if (missing.length > 0) throw new Error(`field catalog: ${where} needs placeholder {${missing[0]}}`);
}

function checkField(name: string, def: FieldDefinition): void {
  if (!FIELD_NAME.test(name)) throw new Error(`field catalog: "${name}" is not a valid field name (letters and digits)`);
  const windowed = (def.type === 'integer' || def.type === 'decimal' || def.type === 'float') && def.window === 'required';
  const allowed = TOKENS_BY_TYPE[def.type].filter((t) => t !== 'since' || windowed);
  checkTemplate(name, def.sql, allowed, def.type === 'idSet' ? ['ids'] : windowed ? ['since'] : []);
  if (def.type === 'idSet') {
    if (def.windowSql !== undefined) checkTemplate(`${name}.windowSql`, def.windowSql, ['since', 'entryAt'], ['since']);
    if ((def.windowSql !== undefined) !== templateTokens(def.sql).includes('window'))
      throw new Error(`field catalog: ${name} needs {window} exactly when it has windowSql`);
  }
  if (def.type === 'enum' && typeof def.options !== 'function' && def.options.length === 0)
    throw new Error(`field catalog: ${name} has no options`);
}

function checkFamily(family: JsonFieldFamily, fieldNames: Iterable<string>): void {
  if (!/^[A-Za-z][A-Za-z0-9]*\.$/.test(family.prefix)) throw new Error(`field catalog: prefix "${family.prefix}" must be a name and a dot`);
  checkTemplate(family.prefix, family.sql, TOKENS_BY_TYPE.json, ['key']);
  for (const name of fieldNames)
    if (`${name}.` === family.prefix) throw new Error(`field catalog: prefix "${family.prefix}" clashes with field ${name}`);
}

/** A catalog from field definitions and json families; throws on a malformed definition (a programming error). */
export function createCatalog(fields: Readonly<Record<string, FieldDefinition>>, families: readonly JsonFieldFamily[] = []): FieldCatalog {
  const map = new Map<string, FieldDefinition>();
  for (const [name, def] of Object.entries(fields)) {
    checkField(name, def);
    map.set(name, def);
  }
  const prefixes = new Set<string>();
  for (const family of families) {
    checkFamily(family, map.keys());
    if (prefixes.has(family.prefix)) throw new Error(`field catalog: prefix "${family.prefix}" is defined twice`);
    prefixes.add(family.prefix);
  }
  return { fields: map, families: [...families] };
}

/** The base catalog plus (or with replaced) fields and families. */
export function extendCatalog(
  base: FieldCatalog,
  fields: Readonly<Record<string, FieldDefinition>>,
  families: readonly JsonFieldFamily[] = [],
): FieldCatalog {
  const replaced = new Set(families.map((f) => f.prefix));
  return createCatalog({ ...Object.fromEntries(base.fields), ...fields }, [
    ...base.families.filter((f) => !replaced.has(f.prefix)),
    ...families,
  ]);
}
