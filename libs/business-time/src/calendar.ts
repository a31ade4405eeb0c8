import { IANAZone } from 'luxon';

/** ISO weekday: 1 = Monday … 7 = Sunday (as luxon counts). */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Local wall-clock hours of one day, "HH:mm" to "HH:mm" (end exclusive; "24:00" = midnight that ends the day). */
export interface BusinessInterval {
  start: string;
  end: string;
}

/**
 * When a support team works: an IANA time zone, the local hours of each
 * weekday (several intervals per day allowed, e.g. a lunch break), and
 * holidays (local dates, YYYY-MM-DD) on which no hours count.
 */
export interface BusinessCalendar {
  timeZone: string;
  weeklyHours: Partial<Record<Weekday, BusinessInterval[]>>;
  holidays: string[];
}

/** 24 hours a day, 7 days a week, in UTC. */
export const ALWAYS_OPEN: BusinessCalendar = {
  timeZone: 'UTC',
  weeklyHours: Object.fromEntries(
    [1, 2, 3, 4, 5, 6, 7].map((d) => [d, [{ start: '00:00', end: '24:00' }]]),
  ) as BusinessCalendar['weeklyHours'],
  holidays: [],
};

/** A calendar that cannot be computed with; `field` names the offending part. */
export class InvalidCalendarError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Minutes after local midnight of "HH:mm" ("24:00" = 1440). */
export function minuteOfDay(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
}

/**
 * Validates a calendar and returns it normalised: intervals sorted and
 * overlapping or touching ones merged, holidays de-duplicated and sorted.
 * Throws InvalidCalendarError for an unknown zone, malformed times or dates,
 * an interval that ends before it starts, or a week without any hours.
 */
export function parseCalendar(input: BusinessCalendar): BusinessCalendar {
  if (!IANAZone.isValidZone(input.timeZone))
    throw new InvalidCalendarError('timeZone', `${JSON.stringify(input.timeZone)} is not an IANA time zone`);
  const weeklyHours: BusinessCalendar['weeklyHours'] = {};
  let any = false;
  for (const [key, intervals] of Object.entries(input.weeklyHours ?? {})) {
    const day = Number(key);
    if (!Number.isInteger(day) || day < 1 || day > 7)
      throw new InvalidCalendarError('weeklyHours', `weekday ${key} is not 1 (Monday) … 7 (Sunday)`);
    const parsed = (intervals ?? []).map((iv, i) => {
      const field = `weeklyHours.${day}[${i}]`;
      if (!TIME.test(iv.start) || !TIME.test(iv.end)) throw new InvalidCalendarError(field, 'times must be HH:mm (00:00–24:00)');
      const [s, e] = [minuteOfDay(iv.start), minuteOfDay(iv.end)];
      if (e <= s) throw new InvalidCalendarError(field, `ends (${iv.end}) before it starts (${iv.start})`);
      return [s, e] as [number, number];
    });
    parsed.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const iv of parsed) {
      const last = merged[merged.length - 1];
      if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
      else merged.push([...iv]);
    }
    if (merged.length > 0) {
      weeklyHours[day as Weekday] = merged.map(([s, e]) => ({ start: formatMinute(s), end: formatMinute(e) }));
      any = true;
    }
  }
  if (!any) throw new InvalidCalendarError('weeklyHours', 'a calendar needs business hours on at least one weekday');
  for (const [i, d] of (input.holidays ?? []).entries()) {
    if (!DATE.test(d)) throw new InvalidCalendarError(`holidays[${i}]`, `${JSON.stringify(d)} is not a date (YYYY-MM-DD)`);
  }
  return { timeZone: input.timeZone, weeklyHours, holidays: [...new Set(input.holidays ?? [])].sort() };
}

function formatMinute(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}
