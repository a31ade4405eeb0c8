// Dates in rules: calendar days ('2026-01-31', the whole day in the compile
// time zone), instants ('2026-01-31T09:30:00Z'; without an offset, local time
// in that zone), and moments relative to the compile-time `now`.

import { DateTime, IANAZone } from 'luxon';

export type DateValue =
  { kind: 'day'; date: string } | { kind: 'instant'; text: string } | { kind: 'relative'; unit: 'days' | 'hours'; amount: number };

export interface DurationValue {
  unit: 'days' | 'hours';
  amount: number;
}

/** A problem with a date value; `key` names the sub-key it concerns, e.g. daysAgo. */
export interface DateProblem {
  message: string;
  key?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?$/;
const MAX_AMOUNT = { days: 36_600, hours: 878_400 } as const; // a hundred years

/** A calendar date or an ISO-8601 timestamp. */
export function parseDateText(text: string): DateValue | DateProblem {
  const kind = DAY.test(text) ? 'day' : TIMESTAMP.test(text) ? 'instant' : undefined;
  if (!kind || !DateTime.fromISO(text, { zone: 'UTC' }).isValid)
    return { message: 'is not a date: use YYYY-MM-DD, an ISO-8601 timestamp, or { "daysAgo": n } / { "hoursAgo": n }' };
  return kind === 'day' ? { kind, date: text } : { kind, text };
}

function wholeAmount(value: unknown, unit: 'days' | 'hours', min: number): number | string {
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be a whole number';
  if (value < min || value > MAX_AMOUNT[unit]) return `must be between ${min} and ${MAX_AMOUNT[unit]}`;
  return value;
}

/** `{ "<aKey>": n }` or `{ "<bKey>": n }`, exactly one key, a whole number of days or hours. */
function oneUnit(raw: Record<string, unknown>, keys: { days: string; hours: string }, min: number): DurationValue | DateProblem {
  const present = Object.keys(raw);
  const expected = `{ "${keys.days}": n } or { "${keys.hours}": n }`;
  if (present.length !== 1) return { message: `must be exactly one of ${expected}` };
  const [key] = present;
  const unit = key === keys.days ? 'days' : key === keys.hours ? 'hours' : undefined;
  if (!unit) return { message: `must be ${expected}`, key };
  const amount = wholeAmount(raw[key], unit, min);
  return typeof amount === 'string' ? { message: amount, key } : { unit, amount };
}

export function parseRelativeDate(raw: Record<string, unknown>): DateValue | DateProblem {
  const parsed = oneUnit(raw, { days: 'daysAgo', hours: 'hoursAgo' }, 0);
  return 'message' in parsed ? parsed : { kind: 'relative', ...parsed };
}

export function parseDuration(raw: Record<string, unknown>): DurationValue | DateProblem {
  return oneUnit(raw, { days: 'days', hours: 'hours' }, 1);
}

/** Whether `lo` is known to be after `hi` without knowing `now` or the zone (mixed kinds are not compared). */
export function isReversed(lo: DateValue, hi: DateValue): boolean {
  if (lo.kind === 'day' && hi.kind === 'day') return lo.date > hi.date;
  if (lo.kind === 'relative' && hi.kind === 'relative') return hoursOf(lo) < hoursOf(hi);
  if (lo.kind === 'instant' && hi.kind === 'instant' && hasOffset(lo.text) && hasOffset(hi.text))
    return DateTime.fromISO(lo.text) > DateTime.fromISO(hi.text);
  return false;
}

const hoursOf = (v: DurationValue) => (v.unit === 'days' ? v.amount * 24 : v.amount);
const hasOffset = (text: string) => /(?:Z|[+-]\d{2}:\d{2})$/.test(text);

/** Where dates are resolved: the compile-time now and time zone. */
export interface DateContext {
  now: Date;
  zone: string;
}

/** Zones known to be valid: luxon's check builds an Intl formatter each time, which dominated compile time. */
const validZones = new Set<string>(['UTC']);

export function checkZone(zone: string): void {
  if (validZones.has(zone)) return;
  if (!IANAZone.isValidZone(zone)) throw new Error(`compileRule: timeZone ${JSON.stringify(zone)} is not an IANA time zone`);
  validZones.add(zone);
}

function iso(dt: DateTime): string {
  return dt.toUTC().toISO() as string;
}

/** Calendar arithmetic in the zone, so "30 days ago" keeps the local time across a DST change. */
function back(amount: DurationValue, ctx: DateContext): DateTime {
  return DateTime.fromJSDate(ctx.now, { zone: ctx.zone }).minus({ [amount.unit]: amount.amount });
}

/** The instant of an instant or relative value (ISO-8601 UTC). */
export function instantOf(value: Exclude<DateValue, { kind: 'day' }>, ctx: DateContext): string {
  return value.kind === 'relative' ? iso(back(value, ctx)) : iso(DateTime.fromISO(value.text, { zone: ctx.zone }));
}

/** The first instant of a calendar day in the zone, or of the day after. */
export function dayBoundary(date: string, which: 'start' | 'end', ctx: DateContext): string {
  const start = DateTime.fromISO(date, { zone: ctx.zone }).startOf('day');
  return iso(which === 'start' ? start : start.plus({ days: 1 }));
}

export function windowStart(window: DurationValue, ctx: DateContext): string {
  return iso(back(window, ctx));
}
