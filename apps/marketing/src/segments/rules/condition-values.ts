// The value of a condition, checked for its field's type and operator and
// normalised for the compiler. Reports at `<condition>.value…` paths.

import { type CheckContext, type CheckedValue, type ResolvedField } from './checked-rule';
import { labelKey } from './enum-labels';
import type { EnumField, EnumOption, JsonFieldFamily, TextField } from './field-catalog';
import { isReversed } from './rule-dates';
import { closest, didYouMean, quote } from './suggest';
import type { Operator } from './rule.types';
import {
  checkBoolean,
  checkDate,
  checkDuration,
  checkList,
  checkPair,
  checkString,
  checkUuid,
  compareNumbers,
  describe,
  numberCheck,
  type Check,
} from './value-checks';

export interface ValueResult {
  value: CheckedValue;
  open?: boolean;
}

const NO_VALUE: readonly Operator[] = ['isSet', 'isNotSet'];

/** The checked value, or undefined after reporting why it is bad. */
export function checkConditionValue(
  field: ResolvedField,
  op: Operator,
  raw: unknown,
  path: string,
  ctx: CheckContext,
): ValueResult | undefined {
  const absent = raw === undefined || raw === null;
  if (NO_VALUE.includes(op))
    return absent ? { value: { kind: 'none' } } : void ctx.report(path, 'UNEXPECTED_VALUE', `${op} takes no value`);
  if (absent) return void ctx.report(path, 'MISSING_VALUE', `${op} needs a value`);
  const def = field.def;
  switch (def.type) {
    case 'text':
    case 'textArray':
      return wrap(textValue(op, raw, path, ctx, def.type === 'text' ? def.pattern : undefined));
    case 'enum':
      return enumValue(field.name, def, op, raw, path, ctx);
    case 'integer':
    case 'decimal':
    case 'float':
      return wrap(numberValue(op, raw, path, ctx, numberCheck(def)));
    case 'date':
      return wrap(dateValue(op, raw, path, ctx));
    case 'boolean':
      return wrap(scalar(checkBoolean(raw, path, ctx), 'boolean'));
    case 'uuid':
    case 'idSet':
      return wrap(op === 'in' || op === 'notIn' ? texts(checkList(raw, path, ctx, checkUuid)) : scalar(checkUuid(raw, path, ctx), 'text'));
    case 'json':
      return wrap(jsonValue(def, op, raw, path, ctx));
  }
}

const wrap = (value: CheckedValue | undefined): ValueResult | undefined => (value ? { value } : undefined);

function scalar(value: string | boolean | undefined, kind: 'text' | 'boolean'): CheckedValue | undefined {
  if (value === undefined) return undefined;
  return kind === 'text' ? { kind, value: value as string } : { kind, value: value as boolean };
}

const texts = (values: string[] | undefined): CheckedValue | undefined => (values ? { kind: 'texts', values } : undefined);

function textValue(op: Operator, raw: unknown, path: string, ctx: CheckContext, pattern?: TextField['pattern']): CheckedValue | undefined {
  const shaped: Check<string> = (v, p, c) => {
    const text = checkString(v, p, c);
    if (text === undefined || !pattern || pattern.regex.test(text)) return text;
    return void c.report(p, 'INVALID_VALUE', `must be ${pattern.hint}`);
  };
  if (op === 'in' || op === 'notIn') return texts(checkList(raw, path, ctx, shaped));
  return scalar((op === 'eq' || op === 'ne' ? shaped : checkString)(raw, path, ctx), 'text');
}

function numberValue(op: Operator, raw: unknown, path: string, ctx: CheckContext, item: Check<number | string>): CheckedValue | undefined {
  if (op === 'in' || op === 'notIn') {
    const values = checkList(raw, path, ctx, item);
    return values && { kind: 'numbers', values };
  }
  if (op === 'between') {
    const pair = checkPair(raw, path, ctx, item);
    if (!pair) return undefined;
    if (compareNumbers(pair[0], pair[1]) > 0) return void ctx.report(path, 'INVALID_VALUE', 'the low bound comes first: [low, high]');
    return { kind: 'numberRange', lo: pair[0], hi: pair[1] };
  }
  const value = item(raw, path, ctx);
  return value === undefined ? undefined : { kind: 'number', value };
}

function dateValue(op: Operator, raw: unknown, path: string, ctx: CheckContext): CheckedValue | undefined {
  if (op === 'withinLast' || op === 'notWithinLast') {
    const value = checkDuration(raw, path, ctx);
    return value && { kind: 'duration', value };
  }
  if (op === 'between') {
    const pair = checkPair(raw, path, ctx, checkDate);
    if (!pair) return undefined;
    if (isReversed(pair[0], pair[1])) return void ctx.report(path, 'INVALID_DATE', 'the earlier date comes first: [from, to]');
    return { kind: 'dateRange', lo: pair[0], hi: pair[1] };
  }
  const value = checkDate(raw, path, ctx);
  if (!value) return undefined;
  if ((op === 'eq' || op === 'ne') && value.kind !== 'day')
    return void ctx.report(path, 'INVALID_DATE', `${op} on a date needs a calendar day (YYYY-MM-DD); for a moment use gt/lt or between`);
  return { kind: 'date', value };
}

function enumOptions(def: EnumField, ctx: CheckContext): readonly EnumOption[] | undefined {
  return typeof def.options === 'function' ? def.options(ctx.schema) : def.options;
}

const ORDER_OPS: Readonly<Partial<Record<Operator, (i: number, at: number) => boolean>>> = {
  gt: (i, at) => i > at,
  gte: (i, at) => i >= at,
  lt: (i, at) => i < at,
  lte: (i, at) => i <= at,
};

function enumValue(name: string, def: EnumField, op: Operator, raw: unknown, path: string, ctx: CheckContext): ValueResult | undefined {
  const options = enumOptions(def, ctx);
  const ordering = op in ORDER_OPS || op === 'between';
  if (!options) {
    if (ordering || !def.openMatchSql) {
      const why = ordering ? `${op} on ${name} needs its order` : `${name} needs its values`;
      return void ctx.report(path, 'MISSING_CONTEXT', `${why}, which were not given (${def.optionsFrom ?? 'options'})`);
    }
    const open: Check<string> = (v, p, c) => {
      const text = checkString(v, p, c);
      return text === undefined ? undefined : labelKey(text);
    };
    const value = op === 'in' || op === 'notIn' ? texts(checkList(raw, path, ctx, open)) : scalar(open(raw, path, ctx), 'text');
    return value && { value, open: true };
  }
  const position: Check<number> = (v, p, c) => optionIndex(name, options, v, p, c);
  if (op === 'in' || op === 'notIn') {
    const at = checkList(raw, path, ctx, position);
    return at && { value: { kind: 'texts', values: at.map((i) => options[i].value) } };
  }
  if (op === 'between') {
    const pair = checkPair(raw, path, ctx, position);
    if (!pair) return undefined;
    const [lo, hi] = [Math.min(...pair), Math.max(...pair)];
    return { value: { kind: 'texts', values: options.filter((_, i) => i >= lo && i <= hi).map((o) => o.value) } };
  }
  const at = position(raw, path, ctx);
  if (at === undefined) return undefined;
  const inOrder = ORDER_OPS[op];
  if (inOrder) return { value: { kind: 'texts', values: options.filter((_, i) => inOrder(i, at)).map((o) => o.value) } };
  return { value: { kind: 'text', value: options[at].value } };
}

function optionIndex(name: string, options: readonly EnumOption[], raw: unknown, path: string, ctx: CheckContext): number | undefined {
  const text = checkString(raw, path, ctx);
  if (text === undefined) return undefined;
  const key = labelKey(text);
  const at = options.findIndex((o) => labelKey(o.value) === key || (o.label !== undefined && labelKey(o.label) === key));
  if (at >= 0) return at;
  const spellings = options.flatMap((o) => (o.label ? [o.value, o.label] : [o.value]));
  const listed = options.length <= 20 ? `; one of ${options.map((o) => quote(o.label ?? o.value)).join(', ')}` : '';
  ctx.report(path, 'ENUM_VALUE', `${quote(text)} is not a ${name} value${didYouMean(closest(text, spellings))}${listed}`);
  return undefined;
}

/** attributes.* and event.*: the value's JSON type decides how the field is read. */
function jsonValue(def: JsonFieldFamily, op: Operator, raw: unknown, path: string, ctx: CheckContext): CheckedValue | undefined {
  const anyNumber = numberCheck({ type: 'float' });
  if (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte' || op === 'between') {
    if (op !== 'between' && typeof raw !== 'number')
      return void ctx.report(path, 'INVALID_VALUE', `${op} on ${def.prefix}… compares numbers; give a number, not ${describe(raw)}`);
    return numberValue(op, raw, path, ctx, anyNumber);
  }
  if (op === 'contains' || op === 'startsWith' || op === 'endsWith') return scalar(checkString(raw, path, ctx), 'text');
  if (op === 'in' || op === 'notIn') {
    const first = Array.isArray(raw) ? raw[0] : undefined;
    const item: Check<string | number> =
      typeof first === 'number'
        ? anyNumber
        : (v, p, c) =>
            typeof v === 'number' ? void c.report(p, 'INVALID_VALUE', 'the list mixes strings and numbers') : checkString(v, p, c);
    const values = checkList(raw, path, ctx, item);
    if (!values) return undefined;
    return typeof first === 'number' ? { kind: 'numbers', values } : { kind: 'texts', values: values as string[] };
  }
  if (typeof raw === 'boolean') return { kind: 'boolean', value: raw };
  if (typeof raw === 'number') return numberValue(op, raw, path, ctx, anyNumber);
  if (typeof raw === 'string') return scalar(checkString(raw, path, ctx), 'text');
  return void ctx.report(path, 'INVALID_VALUE', `must be a string, a number or true/false, not ${describe(raw)}`);
}
