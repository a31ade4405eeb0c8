// Named customer segments on the Recency × Frequency score grid. The
// definitions are plain data so a tenant can rename or redraw them (stored
// as JSON); `checkSegmentGrid` tells an admin UI which cells a custom scheme
// leaves uncovered or claims twice.

import { RFM_BINS, type RfmScores } from './rfm';

export interface ScoreRange {
  readonly min: number;
  readonly max: number;
}

export interface RfmSegmentDefinition {
  /** Stable identifier for events and storage; names are for people. */
  readonly key: string;
  readonly name: string;
  readonly recency: ScoreRange;
  readonly frequency: ScoreRange;
}

const range = (min: number, max: number = min): ScoreRange => ({ min, max });

/** The default scheme from ANALYTICS.md; it covers all 25 cells exactly once. */
export const DEFAULT_RFM_SEGMENTS: readonly RfmSegmentDefinition[] = [
  { key: 'champions', name: 'Champions', recency: range(5), frequency: range(4, 5) },
  { key: 'loyal', name: 'Loyal', recency: range(3, 4), frequency: range(4, 5) },
  { key: 'potential-loyalists', name: 'Potential loyalists', recency: range(4, 5), frequency: range(2, 3) },
  { key: 'new', name: 'New', recency: range(5), frequency: range(1) },
  { key: 'promising', name: 'Promising', recency: range(4), frequency: range(1) },
  { key: 'need-attention', name: 'Need attention', recency: range(3), frequency: range(3) },
  { key: 'about-to-sleep', name: 'About to sleep', recency: range(3), frequency: range(1, 2) },
  { key: 'at-risk', name: 'At risk', recency: range(1, 2), frequency: range(3, 4) },
  { key: 'cant-lose-them', name: "Can't lose them", recency: range(1, 2), frequency: range(5) },
  { key: 'hibernating', name: 'Hibernating', recency: range(1, 2), frequency: range(1, 2) },
];

const within = (score: number, { min, max }: ScoreRange) => score >= min && score <= max;

/** The first definition whose ranges contain the scores, or null. */
export function segmentFor(
  scores: Pick<RfmScores, 'recency' | 'frequency'>,
  definitions: readonly RfmSegmentDefinition[] = DEFAULT_RFM_SEGMENTS,
): RfmSegmentDefinition | null {
  return definitions.find((segment) => within(scores.recency, segment.recency) && within(scores.frequency, segment.frequency)) ?? null;
}

export interface GridCell {
  readonly recency: number;
  readonly frequency: number;
}

export interface SegmentGridReport {
  readonly uncovered: GridCell[];
  readonly overlapping: Array<GridCell & { readonly keys: string[] }>;
}

/** Cells of the 5×5 grid no segment claims, and cells claimed by several. */
export function checkSegmentGrid(definitions: readonly RfmSegmentDefinition[]): SegmentGridReport {
  const uncovered: GridCell[] = [];
  const overlapping: Array<GridCell & { keys: string[] }> = [];
  for (let recency = 1; recency <= RFM_BINS; recency++) {
    for (let frequency = 1; frequency <= RFM_BINS; frequency++) {
      const keys = definitions
        .filter((segment) => within(recency, segment.recency) && within(frequency, segment.frequency))
        .map((segment) => segment.key);
      if (keys.length === 0) uncovered.push({ recency, frequency });
      if (keys.length > 1) overlapping.push({ recency, frequency, keys });
    }
  }
  return { uncovered, overlapping };
}
