// Checks of single values (strings, numbers, ids, dates, lists of them) that
// report at the exact path of the bad part and return undefined when bad.

import { index, member, type CheckContext } from './checked-rule';
import { parseDateText, parseDuration, parseRelativeDate, type DateValue, type DurationValue } from './rule-dates';
import type { NumberField } from './field-catalog';

export type Check<T> = (raw: unknown, path: string, ctx: CheckContext) => T | undefined;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL = /^-?\d{1,30}(?:\.\d{1,20})?$/;
const INT4 = 2_147_483_647;

export function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'a list';
  return typeof raw === 'object' ? 'an object' : `a ${typeof raw}`;
}

export function isPlainObject(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}

export const checkString: Check<string> = (raw, path, ctx) => {
  if (typeof raw !== 'string') return void ctx.report(path, 'INVALID_VALUE', `must be a string, not ${describe(raw)}`);
  if (raw.length === 0) return void ctx.report(path, 'INVALID_VALUE', 'must not be empty (use isNotSet for a missing value)');
  if (raw.length > ctx.limits.maxStringLength)
    return void ctx.report(path, 'STRING_TOO_LONG', `is ${raw.length} characters; at most ${ctx.limits.maxStringLength} are allowed`);
  // PostgreSQL text cannot hold NUL; refusing it here beats a failing query later.
  if (raw.includes('\u0000')) return void ctx.report(path, 'INVALID_VALUE', 'must not contain a NUL character');
  return raw;
};

export const checkBoolean: Check<boolean> = (raw, path, ctx) =>
  typeof raw === 'boolean' ? raw : void ctx.report(path, 'INVALID_VALUE', `must be true or false, not ${describe(raw)}`);

export const checkUuid: Check<string> = (raw, path, ctx) => {
  const text = checkString(raw, path, ctx);
  if (text === undefined) return undefined;
  if (!UUID.test(text)) return void ctx.report(path, 'INVALID_VALUE', 'must be an id (a UUID)');
  return text.toLowerCase();
};

/** A list of 1…maxListLength items, each checked at its own index; undefined if the list or any item is bad. */
export function checkList<T>(raw: unknown, path: string, ctx: CheckContext, item: Check<T>): T[] | undefined {
  if (!Array.isArray(raw)) return void ctx.report(path, 'INVALID_VALUE', `must be a list, not ${describe(raw)}`);
  if (raw.length === 0) return void ctx.report(path, 'INVALID_VALUE', 'needs at least one value');
  if (raw.length > ctx.limits.maxListLength)
    return void ctx.report(path, 'LIST_TOO_LONG', `has ${raw.length} values; at most ${ctx.limits.maxListLength} are allowed`);
  const out = raw.map((v, i) => item(v, index(path, i), ctx));
  return out.every((v) => v !== undefined) ? (out as T[]) : undefined;
}

/** Exactly two bounds, [low, high]. */
export function checkPair<T>(raw: unknown, path: string, ctx: CheckContext, item: Check<T>): [T, T] | undefined {
  if (!Array.isArray(raw) || raw.length !== 2) return void ctx.report(path, 'INVALID_VALUE', 'must be a list of two bounds, [low, high]');
  const lo = item(raw[0], index(path, 0), ctx);
  const hi = item(raw[1], index(path, 1), ctx);
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

/** A number for a field of this type: integers fit a PostgreSQL integer, decimals may be exact decimal strings. */
export function numberCheck(def: Pick<NumberField, 'type' | 'min' | 'max'>): Check<number | string> {
  return (raw, path, ctx) => {
    let n: number;
    if (typeof raw === 'number') {
      if (!Number.isFinite(raw)) return void ctx.report(path, 'INVALID_VALUE', 'must be a finite number');
      if (def.type === 'integer' && (!Number.isInteger(raw) || Math.abs(raw) > INT4))
        return void ctx.report(path, 'INVALID_VALUE', 'must be a whole number');
      n = raw;
    } else if (def.type === 'decimal' && typeof raw === 'string' && DECIMAL.test(raw)) {
      n = Number(raw);
    } else {
      const what = def.type === 'decimal' ? 'a number or a decimal string like "1250.50"' : 'a number';
      return void ctx.report(path, 'INVALID_VALUE', `must be ${what}, not ${describe(raw)}`);
    }
    if (def.min !== undefined && n < def.min) return void ctx.report(path, 'INVALID_VALUE', `must be at least ${def.min}`);
    if (def.max !== undefined && n > def.max) return void ctx.report(path, 'INVALID_VALUE', `must be at most ${def.max}`);
    return raw as number | string;
  };
}

/** Compares two checked numbers exactly (decimal strings included). */
export function compareNumbers(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [decimalParts(a), decimalParts(b)];
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const sign = x.negative ? -1 : 1;
  if (x.whole.length !== y.whole.length) return sign * (x.whole.length - y.whole.length);
  const width = Math.max(x.fraction.length, y.fraction.length);
  const [p, q] = [x.whole + x.fraction.padEnd(width, '0'), y.whole + y.fraction.padEnd(width, '0')];
  return p === q ? 0 : sign * (p < q ? -1 : 1);
}

function decimalParts(value: number | string): { negative: boolean; whole: string; fraction: string } {
  const text = typeof value === 'number' ? toPlainDecimal(value) : value;
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const trimmed = whole.replace(/^0+(?=\d)/, '');
  const zero = /^0*$/.test(trimmed + fraction);
  return { negative: negative && !zero, whole: trimmed, fraction: fraction.replace(/0+$/, '') };
}

function toPlainDecimal(n: number): string {
  const text = String(n);
  if (!/e/i.test(text)) return text;
  return Math.abs(n) >= 1e21 ? BigInt(n).toString() : n.toFixed(20).replace(/\.?0+$/, '');
}

/** A date: a calendar day, a timestamp or { daysAgo | hoursAgo }. */
export const checkDate: Check<DateValue> = (raw, path, ctx) => {
  if (typeof raw === 'string') {
    if (raw.length > ctx.limits.maxStringLength) return void ctx.report(path, 'STRING_TOO_LONG', `is too long to be a date`);
    const parsed = parseDateText(raw);
    return 'message' in parsed ? void ctx.report(path, 'INVALID_DATE', parsed.message) : parsed;
  }
  if (!isPlainObject(raw))
    return void ctx.report(path, 'INVALID_DATE', `must be a date (YYYY-MM-DD or ISO-8601) or { "daysAgo": n }, not ${describe(raw)}`);
  const parsed = parseRelativeDate(raw);
  if ('message' in parsed) return void ctx.report(parsed.key ? member(path, parsed.key) : path, 'INVALID_DATE', parsed.message);
  return parsed;
};

export const checkDuration: Check<DurationValue> = (raw, path, ctx) => {
  if (!isPlainObject(raw)) return void ctx.report(path, 'INVALID_VALUE', `must be { "days": n } or { "hours": n }, not ${describe(raw)}`);
  const parsed = parseDuration(raw);
  if ('message' in parsed) return void ctx.report(parsed.key ? member(path, parsed.key) : path, 'INVALID_VALUE', parsed.message);
  return parsed;
};
