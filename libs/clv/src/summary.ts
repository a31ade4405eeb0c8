// Per-customer sufficient statistics for BG/NBD and Gamma-Gamma, computed
// exactly as the `lifetimes` library does (summary_data_from_transaction_data)
// so that fits are comparable with the published figures.

export interface Transaction {
  readonly customerId: string;
  /** Purchase time; only its UTC calendar day matters. */
  readonly at: Date;
  /** Order value. Money is exact upstream; the models only need a float. */
  readonly amount: number;
}

export interface SummaryOptions {
  /** Last day of the calibration period (inclusive, UTC day). */
  readonly calibrationEnd: Date;
  /** Length of the model's time unit in days: 7 for weeks, 1 for days. */
  readonly daysPerUnit: number;
}

export interface CustomerSummary {
  readonly customerId: string;
  /** Repeat purchases: distinct purchase days after the first one. */
  readonly x: number;
  /** Time of the last purchase, measured from the first, in time units. */
  readonly tx: number;
  /** Time from the first purchase to the calibration end, in time units. */
  readonly T: number;
  /**
   * Mean of the repeat purchase days' totals (orders on one day are summed,
   * the first purchase day is excluded); 0 when x = 0, as in `lifetimes`.
   */
  readonly monetaryValue: number;
}

const MILLISECONDS_PER_DAY = 86_400_000;

/** Whole days since the epoch for the UTC calendar day containing `date`. */
export function utcDayNumber(date: Date): number {
  return Math.floor(date.getTime() / MILLISECONDS_PER_DAY);
}

/**
 * Summarise transactions up to and including `calibrationEnd`. Customers
 * whose first purchase falls after the end are not part of the calibration
 * population and are omitted. Output order follows first appearance.
 */
export function summarizeTransactions(transactions: Iterable<Transaction>, options: SummaryOptions): CustomerSummary[] {
  if (!(options.daysPerUnit > 0)) throw new RangeError('daysPerUnit must be positive');
  const endDay = utcDayNumber(options.calibrationEnd);
  // customer → (day → total spent that day)
  const spendByDay = new Map<string, Map<number, number>>();
  for (const transaction of transactions) {
    const day = utcDayNumber(transaction.at);
    if (day > endDay) continue;
    let days = spendByDay.get(transaction.customerId);
    if (days === undefined) {
      days = new Map();
      spendByDay.set(transaction.customerId, days);
    }
    days.set(day, (days.get(day) ?? 0) + transaction.amount);
  }

  const summaries: CustomerSummary[] = [];
  for (const [customerId, days] of spendByDay) {
    let firstDay = Infinity;
    let lastDay = -Infinity;
    for (const day of days.keys()) {
      firstDay = Math.min(firstDay, day);
      lastDay = Math.max(lastDay, day);
    }
    let repeatSpend = 0;
    for (const [day, amount] of days) if (day !== firstDay) repeatSpend += amount;
    const x = days.size - 1;
    summaries.push({
      customerId,
      x,
      tx: (lastDay - firstDay) / options.daysPerUnit,
      T: (endDay - firstDay) / options.daysPerUnit,
      monetaryValue: x > 0 ? repeatSpend / x : 0,
    });
  }
  return summaries;
}
