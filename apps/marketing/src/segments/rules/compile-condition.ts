// One checked condition → one parenthesised SQL boolean. Only positive
// operators are compiled here; compile-rule.ts turns ne, notIn, notWithinLast
// and isNotSet into the exact complement of eq, in, withinLast and isSet.
// Every value is a parameter; the only SQL text comes from the catalog.

import type { CheckedCondition, CheckedValue } from './checked-rule';
import { labelKeySql } from './enum-labels';
import type { EnumField, FieldDefinition, JsonFieldFamily, NumberField, TextArrayField, TextField } from './field-catalog';
import { dayBoundary, instantOf, windowStart, type DateValue } from './rule-dates';
import { fillTemplate, likePattern, type ParamCast, type SqlContext, type TemplateTokens } from './sql-context';
import type { Operator } from './rule.types';

/** SQL that may be NULL (a missing value) unless `nullable` is false. */
export interface Fragment {
  sql: string;
  nullable: boolean;
}

export type PositiveOperator = Exclude<Operator, 'ne' | 'notIn' | 'notWithinLast' | 'isNotSet'>;
type Positive = Omit<CheckedCondition, 'op'> & { op: PositiveOperator };

const COMPARISON: Readonly<Partial<Record<Operator, string>>> = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const LIKE_OPS: readonly Operator[] = ['contains', 'startsWith', 'endsWith'];
const ESCAPE = ` ESCAPE '\\'`;

export function compileCondition(cond: Positive, ctx: SqlContext): Fragment {
  const def = cond.field.def;
  switch (def.type) {
    case 'text':
      return textSql(def, fieldSql(def, cond, ctx), cond, ctx);
    case 'textArray':
      return textArraySql(def, fieldSql(def, cond, ctx), cond, ctx);
    case 'enum':
      return enumSql(def, cond, ctx);
    case 'integer':
    case 'decimal':
    case 'float':
      return numberSql(fieldSql(def, cond, ctx), castOf(def), def.nullable, cond.op, cond.value, ctx);
    case 'date':
      return dateSql(fieldSql(def, cond, ctx), def.nullable, cond, ctx);
    case 'boolean':
      return cond.op === 'isSet'
        ? { sql: `((${fieldSql(def, cond, ctx)}) IS NOT NULL)`, nullable: false }
        : { sql: `((${fieldSql(def, cond, ctx)}) = ${ctx.param(scalarOf(cond.value), 'boolean')})`, nullable: def.nullable };
    case 'uuid':
      return uuidSql(fieldSql(def, cond, ctx), def.nullable, cond, ctx);
    case 'idSet': {
      const ids = cond.value.kind === 'texts' ? cond.value.values : [String(scalarOf(cond.value))];
      return { sql: fieldSql(def, cond, ctx, { ids: () => ctx.param(ids, 'uuid[]') }), nullable: false };
    }
    case 'json':
      return jsonSql(def, cond, ctx);
  }
}

/** The field's catalog SQL with its placeholders filled. */
function fieldSql(def: FieldDefinition, cond: Positive, ctx: SqlContext, extra: TemplateTokens = {}): string {
  const since = () => {
    if (!cond.window) throw new Error(`compileRule: ${cond.field.name} has no window`);
    return ctx.param(windowStart(cond.window, ctx.dates), 'timestamptz');
  };
  const window = () => (def.type === 'idSet' && def.windowSql && cond.window ? fillTemplate(def.windowSql, { since }) : '');
  return fillTemplate(def.sql, { since, window, entryAt: () => ctx.entryAt(), ...extra });
}

function scalarOf(value: CheckedValue): string | number | boolean {
  if (value.kind === 'text' || value.kind === 'number' || value.kind === 'boolean') return value.value;
  throw new Error(`compileRule: expected one value, got ${value.kind}`);
}

function castOf(def: NumberField): ParamCast {
  return def.type === 'integer' ? 'integer' : def.type === 'decimal' ? 'numeric' : 'double precision';
}

const lowerIf = (fold: boolean, text: string) => (fold ? text.toLowerCase() : text);

function textSql(def: TextField, column: string, cond: Positive, ctx: SqlContext): Fragment {
  const fold = def.caseFold !== 'exact';
  const compared = def.caseFold === 'lower' ? `lower(${column})` : column;
  const v = cond.value;
  if (cond.op === 'isSet') return { sql: `(coalesce(${column}, '') <> '')`, nullable: false };
  if (LIKE_OPS.includes(cond.op)) return likeSql(column, cond, ctx, def.nullable);
  if (v.kind === 'texts')
    return {
      sql: `(${compared} = ANY(${ctx.param(
        v.values.map((t) => lowerIf(fold, t)),
        'text[]',
      )}))`,
      nullable: def.nullable,
    };
  return { sql: `(${compared} = ${ctx.param(lowerIf(fold, String(scalarOf(v))), 'text')})`, nullable: def.nullable };
}

function likeSql(column: string, cond: Positive, ctx: SqlContext, nullable: boolean): Fragment {
  const pattern = likePattern(String(scalarOf(cond.value)), cond.op as 'contains' | 'startsWith' | 'endsWith');
  return { sql: `(${column} ILIKE ${ctx.param(pattern, 'text')}${ESCAPE})`, nullable };
}

function textArraySql(def: TextArrayField, column: string, cond: Positive, ctx: SqlContext): Fragment {
  const fold = def.caseFold === 'storedLower';
  const v = cond.value;
  if (cond.op === 'isSet') return { sql: `(coalesce(cardinality(${column}), 0) > 0)`, nullable: false };
  if (LIKE_OPS.includes(cond.op)) {
    const element = likeSql('u.v', cond, ctx, false).sql;
    return { sql: `EXISTS (SELECT 1 FROM unnest(${column}) AS u(v) WHERE ${element})`, nullable: false };
  }
  if (v.kind === 'texts')
    return {
      sql: `(${column} && ${ctx.param(
        v.values.map((t) => lowerIf(fold, t)),
        'text[]',
      )})`,
      nullable: true,
    };
  return { sql: `(${column} @> ARRAY[${ctx.param(lowerIf(fold, String(scalarOf(v))), 'text')}])`, nullable: true };
}

function enumSql(def: EnumField, cond: Positive, ctx: SqlContext): Fragment {
  const column = fillTemplate(def.sql, { entryAt: () => ctx.entryAt() });
  if (cond.op === 'isSet') return { sql: `(coalesce(${column}, '') <> '')`, nullable: false };
  const v = cond.value;
  const right = v.kind === 'texts' ? `ANY(${ctx.param(v.values, 'text[]')})` : ctx.param(String(scalarOf(v)), 'text');
  if (!cond.open) return { sql: `(${column} = ${right})`, nullable: def.nullable };
  const columns = (def.openMatchSql ?? [def.sql]).map((c) => `${labelKeySql(c)} = ${right}`);
  return { sql: `(${columns.join(' OR ')})`, nullable: true };
}

function numberSql(x: string, cast: ParamCast, nullable: boolean, op: PositiveOperator, v: CheckedValue, ctx: SqlContext): Fragment {
  if (op === 'isSet') return { sql: `(${x} IS NOT NULL)`, nullable: false };
  if (v.kind === 'numbers') return { sql: `(${x} = ANY(${ctx.param(v.values, `${cast}[]` as ParamCast)}))`, nullable };
  if (v.kind === 'numberRange') return { sql: `(${x} BETWEEN ${ctx.param(v.lo, cast)} AND ${ctx.param(v.hi, cast)})`, nullable };
  if (v.kind !== 'number') throw new Error(`compileRule: a number comparison got ${v.kind}`);
  return { sql: `(${x} ${COMPARISON[op]} ${ctx.param(v.value, cast)})`, nullable };
}

/** `column <op> value`, where a calendar day is the whole day: > a day is on or after the next day's start. */
function dateBound(column: string, op: 'gt' | 'gte' | 'lt' | 'lte', value: DateValue, ctx: SqlContext): string {
  if (value.kind !== 'day') return `${column} ${COMPARISON[op]} ${ctx.param(instantOf(value, ctx.dates), 'timestamptz')}`;
  const boundary = dayBoundary(value.date, op === 'gt' || op === 'lte' ? 'end' : 'start', ctx.dates);
  return `${column} ${op === 'gt' || op === 'gte' ? '>=' : '<'} ${ctx.param(boundary, 'timestamptz')}`;
}

function dateSql(column: string, nullable: boolean, cond: Positive, ctx: SqlContext): Fragment {
  const v = cond.value;
  if (cond.op === 'isSet') return { sql: `(${column} IS NOT NULL)`, nullable: false };
  if (v.kind === 'duration') return { sql: `(${column} >= ${ctx.param(windowStart(v.value, ctx.dates), 'timestamptz')})`, nullable };
  if (v.kind === 'dateRange')
    return { sql: `(${dateBound(column, 'gte', v.lo, ctx)} AND ${dateBound(column, 'lte', v.hi, ctx)})`, nullable };
  if (v.kind !== 'date') throw new Error(`compileRule: a date comparison got ${v.kind}`);
  if (cond.op === 'eq')
    return { sql: `(${dateBound(column, 'gte', v.value, ctx)} AND ${dateBound(column, 'lte', v.value, ctx)})`, nullable };
  return { sql: `(${dateBound(column, cond.op as 'gt' | 'gte' | 'lt' | 'lte', v.value, ctx)})`, nullable };
}

function uuidSql(column: string, nullable: boolean, cond: Positive, ctx: SqlContext): Fragment {
  const v = cond.value;
  if (cond.op === 'isSet') return { sql: `(${column} IS NOT NULL)`, nullable: false };
  if (v.kind === 'texts') return { sql: `(${column} = ANY(${ctx.param(v.values, 'uuid[]')}))`, nullable };
  return { sql: `(${column} = ${ctx.param(String(scalarOf(v)), 'uuid')})`, nullable };
}

/** attributes.* / event.*: read as text, number or boolean by the value's type; a value of another JSON type never matches. */
function jsonSql(def: JsonFieldFamily, cond: Positive, ctx: SqlContext): Fragment {
  const key = cond.field.key as string;
  const v = cond.value;
  if (def.containmentColumn && cond.op === 'eq' && (v.kind === 'number' || v.kind === 'boolean'))
    return { sql: `(${def.containmentColumn} @> ${ctx.param(JSON.stringify({ [key]: v.value }), 'jsonb')})`, nullable: false };
  const keyParam = () => (def.keyStyle === 'path' ? ctx.param(key.split('.'), 'text[]') : ctx.param(key, 'text'));
  const json = `(${fillTemplate(def.sql, { key: keyParam, event: () => ctx.event() })})`;
  if (cond.op === 'isSet') return { sql: `(coalesce(jsonb_typeof(${json}), 'null') <> 'null')`, nullable: false };
  const text = `(CASE WHEN jsonb_typeof(${json}) = 'string' THEN ${json} #>> '{}' END)`;
  if (LIKE_OPS.includes(cond.op)) return likeSql(text, cond, ctx, true);
  if (v.kind === 'text') return { sql: `(lower${text} = ${ctx.param(v.value.toLowerCase(), 'text')})`, nullable: true };
  if (v.kind === 'texts')
    return {
      sql: `(lower${text} = ANY(${ctx.param(
        v.values.map((t) => t.toLowerCase()),
        'text[]',
      )}))`,
      nullable: true,
    };
  if (v.kind === 'boolean')
    return {
      sql: `((CASE WHEN jsonb_typeof(${json}) = 'boolean' THEN ${json}::boolean END) = ${ctx.param(v.value, 'boolean')})`,
      nullable: true,
    };
  const number = `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN ${json}::numeric END)`;
  return numberSql(number, 'numeric', true, cond.op, v, ctx);
}
