import { badUserInput } from '@rapport/auth';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real ISO-8601 calendar date (YYYY-MM-DD), e.g. not 2026-02-30. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export function requireCalendarDate(field: string, value: string): string {
  if (!isCalendarDate(value)) throw badUserInput(field, `${JSON.stringify(String(value).slice(0, 40))} is not a date (YYYY-MM-DD)`);
  return value;
}
