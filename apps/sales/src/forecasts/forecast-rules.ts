import { badUserInput, forbidden, hasRole, type Principal } from '@rapport/auth';
import { decimal, round, type Money } from '@rapport/money';
import { requireCalendarDate } from '../opportunities/calendar-date';

export interface PeriodInput {
  year: number;
  quarter?: number | null;
  month?: number | null;
}

/** A closed range of calendar dates, YYYY-MM-DD. */
export interface DateRange {
  from: string;
  to: string;
}

const iso = (y: number, m: number, d: number) =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** A year, a quarter of it, or a month of it, as calendar dates (close dates are dates, so no time zone is involved). */
export function periodRange(period: PeriodInput): DateRange {
  const { year, quarter, month } = period;
  if (!Number.isInteger(year) || year < 1900 || year > 9999) throw badUserInput('period.year', 'must be a year from 1900 to 9999');
  if (quarter != null && month != null) throw badUserInput('period.month', 'give a quarter or a month, not both');
  if (quarter != null) {
    if (!Number.isInteger(quarter) || quarter < 1 || quarter > 4) throw badUserInput('period.quarter', 'must be 1 to 4');
    const first = (quarter - 1) * 3 + 1;
    return { from: iso(year, first, 1), to: iso(year, first + 2, lastDay(year, first + 2)) };
  }
  if (month != null) {
    if (!Number.isInteger(month) || month < 1 || month > 12) throw badUserInput('period.month', 'must be 1 to 12');
    return { from: iso(year, month, 1), to: iso(year, month, lastDay(year, month)) };
  }
  return { from: iso(year, 1, 1), to: iso(year, 12, 31) };
}

export function dateRange(from: string, to: string): DateRange {
  requireCalendarDate('from', from);
  requireCalendarDate('to', to);
  if (from > to) throw badUserInput('to', 'must not be before from');
  return { from, to };
}

/**
 * Whose numbers the caller may see: sales managers and admins everyone's
 * (optionally one owner's); reps only their own — asking for someone else's
 * is FORBIDDEN, asking for none means their own. API keys with
 * `opportunities:read` see the tenant's totals like a manager.
 * Returns the owner to filter on, or null for everyone.
 */
export function ownerScope(principal: Principal, requestedOwnerId: string | null): string | null {
  if (principal.kind === 'apiKey' || hasRole(principal, 'sales_manager')) return requestedOwnerId;
  if (requestedOwnerId && requestedOwnerId !== principal.id) throw forbidden('sales reps see only their own forecast and metrics');
  return principal.id;
}

/** The exact sum of amount × probability, divided by 100 and rounded once, half-even, to the minor unit. */
export function weightedFromSum(sumOfAmountTimesProbability: string, currency: string): Money {
  return round({ amount: decimal(sumOfAmountTimesProbability).div(100).toFixed(), currency });
}

/** sum / count rounded half-even to the minor unit (an average deal size). */
export function averageAmount(total: string, count: number, currency: string): Money {
  return round({ amount: decimal(total).div(count).toFixed(), currency });
}
