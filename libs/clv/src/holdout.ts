// Hold-out purchase counts: what a model's forecast for the period after the
// calibration end is checked against (FHL 2005, section 4: CDNOW weeks 40–78).

import { utcDayNumber, type Transaction } from './summary';

export interface HoldoutOptions {
  /** Last day of the calibration period (inclusive, UTC day). */
  readonly calibrationEnd: Date;
  /** Last day of the hold-out period (inclusive, UTC day). */
  readonly holdoutEnd: Date;
}

/**
 * Purchases per customer after `calibrationEnd` up to and including
 * `holdoutEnd`, counted as distinct purchase days, the unit in which
 * `summarizeTransactions` counts x (several orders on one day are one
 * purchase). Customers without hold-out purchases are absent: read a missing
 * entry as 0.
 */
export function countHoldoutPurchases(transactions: Iterable<Transaction>, options: HoldoutOptions): Map<string, number> {
  const startDay = utcDayNumber(options.calibrationEnd);
  const endDay = utcDayNumber(options.holdoutEnd);
  if (endDay < startDay) throw new RangeError('holdoutEnd must not be before calibrationEnd');
  const days = new Map<string, Set<number>>();
  for (const { customerId, at } of transactions) {
    const day = utcDayNumber(at);
    if (day <= startDay || day > endDay) continue;
    let customerDays = days.get(customerId);
    if (customerDays === undefined) {
      customerDays = new Set();
      days.set(customerId, customerDays);
    }
    customerDays.add(day);
  }
  return new Map([...days].map(([customerId, customerDays]) => [customerId, customerDays.size]));
}
