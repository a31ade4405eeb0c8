import { DEFAULT_RFM_SEGMENTS, type RfmSegmentDefinition } from '@rapport/clv';

/** A segment definition as the recompute statement reads it (jsonb_to_recordset). */
export interface SegmentRow {
  ordinal: number;
  key: string;
  name: string;
  r_min: number;
  r_max: number;
  f_min: number;
  f_max: number;
}

/**
 * The R×F grid of libs/clv as rows bound to the SQL as one parameter, so the
 * database names segments exactly as `segmentFor` does: the first definition
 * (lowest ordinal) whose ranges contain the cell wins.
 */
export function segmentRows(definitions: readonly RfmSegmentDefinition[] = DEFAULT_RFM_SEGMENTS): SegmentRow[] {
  return definitions.map((d, ordinal) => ({
    ordinal,
    key: d.key,
    name: d.name,
    r_min: d.recency.min,
    r_max: d.recency.max,
    f_min: d.frequency.min,
    f_max: d.frequency.max,
  }));
}
