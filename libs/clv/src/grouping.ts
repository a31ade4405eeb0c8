// Collapse customers with identical sufficient statistics into weighted rows.
// The likelihoods depend on a customer only through these statistics, so a
// weighted fit equals the per-customer fit while evaluating far fewer rows
// (millions of customers share a few thousand (x, t_x, T) combinations when
// time is measured in whole days).

export interface FrequencyRecencyRow {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
  /** Number of customers sharing these statistics; 1 when absent. */
  readonly weight?: number;
}

export interface SpendRow {
  /** Repeat purchases (the number of spend observations averaged). */
  readonly x: number;
  /** Mean spend of those repeat purchases. */
  readonly monetaryValue: number;
  readonly weight?: number;
}

function groupBy<T extends { readonly weight?: number }, R>(
  rows: Iterable<T>,
  keyOf: (row: T) => string,
  toRow: (row: T, weight: number) => R,
): R[] {
  const groups = new Map<string, { first: T; weight: number }>();
  for (const row of rows) {
    const key = keyOf(row);
    const weight = row.weight ?? 1;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { first: row, weight });
    else group.weight += weight;
  }
  return [...groups.values()].map(({ first, weight }) => toRow(first, weight));
}

/** Weighted (x, t_x, T) rows for BG/NBD fitting. */
export function groupByFrequencyRecency(rows: Iterable<FrequencyRecencyRow>): Required<FrequencyRecencyRow>[] {
  return groupBy(
    rows,
    (row) => `${row.x}|${row.tx}|${row.T}`,
    (row, weight) => ({ x: row.x, tx: row.tx, T: row.T, weight }),
  );
}

/** Weighted (x, m) rows for Gamma-Gamma fitting. */
export function groupBySpend(rows: Iterable<SpendRow>): Required<SpendRow>[] {
  return groupBy(
    rows,
    (row) => `${row.x}|${row.monetaryValue}`,
    (row, weight) => ({ x: row.x, monetaryValue: row.monetaryValue, weight }),
  );
}

/**
 * Why a set of (x, t_x, T) rows cannot be fitted, or null. Shared by the
 * purchase models, which all need the same consistency.
 */
export function validateFrequencyRecencyRows(rows: readonly FrequencyRecencyRow[]): string | null {
  if (rows.length === 0) return 'no customers to fit';
  for (const { x, tx, T, weight = 1 } of rows) {
    if (!Number.isInteger(x) || x < 0) return `x must be a non-negative integer, got ${x}`;
    if (!(tx >= 0 && tx <= T)) return `need 0 <= t_x <= T, got t_x = ${tx}, T = ${T}`;
    if (x === 0 && tx !== 0) return `t_x must be 0 when x = 0, got ${tx}`;
    if (!(weight >= 0) || !Number.isFinite(weight)) return `weights must be finite and >= 0, got ${weight}`;
  }
  return null;
}

/** One customer's purchase history in model time units (see summary.ts). */
export interface PurchaseHistory {
  /** Repeat purchases. */
  readonly x: number;
  /** Time of the last purchase, measured from the first. */
  readonly tx: number;
  /** Time from the first purchase to the end of observation. */
  readonly T: number;
}
