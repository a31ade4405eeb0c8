// RFM scoring: Recency, Frequency, Monetary scores 1–5 by quintile.
//
// This is the reference implementation; production computes the same thing
// set-based in the database. The definition is chosen to be expressible there
// in one pass and to never depend on row order:
//
//   cut points  = percentile_cont(0.2, 0.4, 0.6, 0.8) of the values
//                 (linear interpolation between order statistics, "type 7")
//   score       = 1 + number of cut points strictly below the value
//   recency     = reversed (5 − that count): the most recent fifth scores 5
//
// Equal values always get equal scores, unlike NTILE, which splits ties
// arbitrarily. When many customers share a value (e.g. 60 % bought once) the
// cut points coincide and the scores skip: one-time buyers score F = 1 and
// two-time buyers F = 4, because they out-buy at least 60 % of customers.

export const RFM_BINS = 5;

export interface RfmInput {
  readonly customerId: string;
  /** Time since last purchase (any unit); smaller means more recent. */
  readonly recency: number;
  /** Number of purchases (or distinct purchase days) in the window. */
  readonly frequency: number;
  /** Average or total spend in the window — the tenant chooses. */
  readonly monetary: number;
}

export interface RfmScores {
  readonly recency: number;
  readonly frequency: number;
  readonly monetary: number;
}

export interface RfmCutPoints {
  readonly recency: readonly number[];
  readonly frequency: readonly number[];
  readonly monetary: readonly number[];
}

export interface RfmScoring {
  readonly cutPoints: RfmCutPoints;
  readonly scores: ReadonlyArray<RfmScores & { readonly customerId: string }>;
}

/**
 * The k/bins quantiles (k = 1..bins−1) of `values` by linear interpolation
 * between order statistics — SQL's percentile_cont. Computed on sorted
 * values, so independent of input order.
 */
export function quantileCutPoints(values: readonly number[], bins: number = RFM_BINS): number[] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((u, v) => u - v);
  const cuts: number[] = [];
  for (let k = 1; k < bins; k++) {
    const position = (k / bins) * (sorted.length - 1);
    const lower = Math.floor(position);
    const upper = Math.min(lower + 1, sorted.length - 1);
    cuts.push(sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]));
  }
  return cuts;
}

/** 1 + number of cut points strictly below `value` (higher value, higher score). */
export function scoreAgainstCutPoints(value: number, cutPoints: readonly number[]): number {
  let below = 0;
  for (const cut of cutPoints) if (cut < value) below++;
  return 1 + below;
}

/** Reversed score for "smaller is better" values such as recency. */
export function reversedScoreAgainstCutPoints(value: number, cutPoints: readonly number[]): number {
  return cutPoints.length + 2 - scoreAgainstCutPoints(value, cutPoints);
}

/** Score every customer against quintile cut points of the whole population. */
export function scoreRfm(rows: readonly RfmInput[]): RfmScoring {
  for (const row of rows) {
    if (![row.recency, row.frequency, row.monetary].every(Number.isFinite)) {
      throw new RangeError(`RFM values must be finite numbers (customer ${row.customerId})`);
    }
  }
  const cutPoints: RfmCutPoints = {
    recency: quantileCutPoints(rows.map((row) => row.recency)),
    frequency: quantileCutPoints(rows.map((row) => row.frequency)),
    monetary: quantileCutPoints(rows.map((row) => row.monetary)),
  };
  return {
    cutPoints,
    scores: rows.map((row) => ({
      customerId: row.customerId,
      recency: reversedScoreAgainstCutPoints(row.recency, cutPoints.recency),
      frequency: scoreAgainstCutPoints(row.frequency, cutPoints.frequency),
      monetary: scoreAgainstCutPoints(row.monetary, cutPoints.monetary),
    })),
  };
}
