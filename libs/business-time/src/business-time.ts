import { DateTime } from 'luxon';
import { minuteOfDay, parseCalendar, type BusinessCalendar, type Weekday } from './calendar';

const MINUTE_MS = 60_000;
/** Searching further than this for business hours means the calendar has (almost) none: a bug, not a wait. */
const MAX_DAYS = 3 * 366;

/**
 * The business windows (UTC instants, [start, end) in ms) of each local day
 * from the day containing `from` on. Local wall times are converted through
 * the zone per day, so a window on a DST day is exactly as long as it really
 * is (e.g. 00:00–24:00 lasts 23 h in Berlin on 2026-03-29 and 25 h on 2026-10-25).
 * A wall time that does not exist (the skipped hour) maps to the instant after the gap.
 */
export function* businessWindows(calendar: BusinessCalendar, from: Date, maxDays = MAX_DAYS): Generator<[number, number]> {
  const holidays = new Set(calendar.holidays);
  let day = DateTime.fromJSDate(from, { zone: calendar.timeZone }).startOf('day');
  for (let i = 0; i < maxDays; i++, day = day.plus({ days: 1 })) {
    const date = day.toISODate() as string;
    if (holidays.has(date)) continue;
    for (const iv of calendar.weeklyHours[day.weekday as Weekday] ?? []) {
      const start = localInstant(day, minuteOfDay(iv.start), calendar.timeZone);
      const end = localInstant(day, minuteOfDay(iv.end), calendar.timeZone);
      if (end > start) yield [start, end];
    }
  }
}

function localInstant(day: DateTime, minute: number, zone: string): number {
  if (minute >= 1440) return day.plus({ days: 1 }).startOf('day').toMillis();
  return DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(minute / 60), minute: minute % 60 },
    { zone },
  ).toMillis();
}

/**
 * The instant `minutes` business minutes after `start` (fractions allowed).
 * Starting outside business hours, the count begins at the next window.
 * Zero minutes returns `start` itself. Pauses are the caller's: add the
 * business minutes a case was paused to its due time.
 */
export function addBusinessMinutes(calendar: BusinessCalendar, start: Date, minutes: number): Date {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`minutes must be a finite number ≥ 0 (got ${minutes})`);
  const cal = parseCalendar(calendar);
  // Instants are whole milliseconds; minutes from businessMinutesBetween are
  // ms / 60000 and do not always multiply back exactly (x / 60000 * 60000 can
  // be x − 1e-12, which a Date truncates to a millisecond early).
  let remaining = Math.round(minutes * MINUTE_MS);
  if (remaining === 0) return new Date(start.getTime());
  const t0 = start.getTime();
  for (const [s, e] of businessWindows(cal, start)) {
    if (e <= t0) continue;
    const from = Math.max(s, t0);
    const length = e - from;
    if (remaining <= length) return new Date(from + remaining);
    remaining -= length;
  }
  throw new RangeError(`no ${minutes} business minutes within ${MAX_DAYS} days of ${start.toISOString()}`);
}

/**
 * Business minutes in [from, to) (fractions included); negative when `to`
 * is before `from`, so addBusinessMinutes(c, a, businessMinutesBetween(c, a, b))
 * lands on b whenever b is inside business hours.
 */
export function businessMinutesBetween(calendar: BusinessCalendar, from: Date, to: Date): number {
  if (to.getTime() < from.getTime()) return -businessMinutesBetween(calendar, to, from);
  const cal = parseCalendar(calendar);
  const [a, b] = [from.getTime(), to.getTime()];
  let total = 0;
  const days = Math.ceil((b - a) / 86_400_000) + 2;
  for (const [s, e] of businessWindows(cal, from, days)) {
    if (s >= b) break;
    const overlap = Math.min(e, b) - Math.max(s, a);
    if (overlap > 0) total += overlap;
  }
  return total / MINUTE_MS;
}
